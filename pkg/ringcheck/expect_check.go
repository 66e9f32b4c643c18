package ringcheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// matcher is an Expectation ready to judge rings.
type matcher struct {
	Expectation
	re *regexp.Regexp // nil: every id
}

func compile(e Expectation) (*matcher, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	m := &matcher{Expectation: e}
	var err error
	switch {
	case e.Members != "":
		m.re, err = gate.WholeMatch(e.Members)
	case e.Workload != "":
		m.re, err = gate.WholeMatch(workloadPattern(e.Workload))
	}
	return m, err
}

// selectMembers returns the members the expectation is about; LEFT members
// are gone and never selected.
func (m *matcher) selectMembers(r *Ring) []Instance {
	var out []Instance
	for _, in := range r.Instances {
		if in.State == StateLeft || (m.Zone != "" && in.Zone != m.Zone) || (m.re != nil && !m.re.MatchString(in.ID)) {
			continue
		}
		out = append(out, in)
	}
	return out
}

// podsOf says which ring instances are pods of a namespace, for ownPods.
type podsOf struct {
	namespace string
	notPods   map[string]bool // instance ids of one ring (NotPods)
}

// check judges the ring at now; hb is the heartbeat timeout for "healthy";
// pods is nil when the namespace's pods were not listed.
func (m *matcher) check(r *Ring, now time.Time, hb time.Duration, pods *podsOf) verdict.Observation {
	if m.OwnPods && pods == nil {
		return verdict.Inconclusivef("%s: the namespace's pods were not listed, so members cannot be matched to them", m.Describe())
	}
	sel := m.selectMembers(r)
	var problems []string
	if m.Absent || m.Left {
		for _, in := range sel {
			problems = append(problems, "still in the ring: "+in.Describe(now))
		}
	}
	problems = append(problems, m.checkCount(sel, now)...)
	for _, in := range sel {
		why := m.memberProblem(in, now, hb)
		if m.OwnPods && pods.notPods[in.ID] {
			why = strings.TrimPrefix(why+"; not a pod of namespace "+pods.namespace+" — another cluster's members may have joined this ring", "; ")
		}
		if why != "" {
			problems = append(problems, in.Describe(now)+" ("+why+")")
		}
	}
	if m.PerZone != nil {
		problems = append(problems, m.checkZones(sel)...)
	}
	if len(problems) > 0 {
		return verdict.Failf("%s: %d problem(s) among %d selected members", m.Describe(), len(problems), len(sel)).WithDetails(problems...)
	}
	return verdict.Passf("%s: holds (%d selected members)", m.Describe(), len(sel))
}

func (m *matcher) checkCount(sel []Instance, now time.Time) []string {
	lo, hi := m.Min, m.Max
	if m.Count != nil {
		lo, hi = m.Count, m.Count
	}
	if m.Joined && lo == nil && hi == nil {
		one := 1
		lo = &one
	}
	n := len(sel)
	switch {
	case lo != nil && n < *lo:
		return append([]string{fmt.Sprintf("found %d %s, want at least %d", n, m.subject(), *lo)}, present(sel, now)...)
	case hi != nil && n > *hi:
		return append([]string{fmt.Sprintf("found %d %s, want at most %d", n, m.subject(), *hi)}, present(sel, now)...)
	}
	return nil
}

func present(sel []Instance, now time.Time) []string {
	out := make([]string, 0, len(sel))
	for _, in := range sel {
		out = append(out, "present: "+in.Describe(now))
	}
	return out
}

// memberProblem says why one selected member violates the expectation.
func (m *matcher) memberProblem(in Instance, now time.Time, hb time.Duration) string {
	var why []string
	want := m.State
	if m.Joined {
		want = StateActive
	}
	if want != "" && in.State != want {
		why = append(why, "want "+want)
	}
	if (m.Healthy || m.Joined) && !in.Healthy(now, hb) {
		why = append(why, fmt.Sprintf("heartbeat older than %s", hb))
	}
	if slices.Contains(m.NotIn, in.State) {
		why = append(why, "must not be "+in.State)
	}
	if m.ReadOnly != nil && in.ReadOnly != *m.ReadOnly {
		why = append(why, map[bool]string{true: "want read-only", false: "want not read-only"}[*m.ReadOnly])
	}
	return strings.Join(why, "; ")
}

func (m *matcher) checkZones(sel []Instance) []string {
	counts := map[string]int{}
	for _, in := range sel {
		counts[in.Zone]++
	}
	zones := m.PerZone.Zones
	if len(zones) == 0 {
		for z := range counts {
			zones = append(zones, z)
		}
		slices.Sort(zones)
	}
	lo, hi := m.PerZone.Min, m.PerZone.Max
	if m.PerZone.Count != nil {
		lo, hi = m.PerZone.Count, m.PerZone.Count
	}
	var out []string
	for _, z := range zones {
		n := counts[z]
		if (lo != nil && n < *lo) || (hi != nil && n > *hi) {
			out = append(out, fmt.Sprintf("zone %q has %d %s, want %s", zoneName(z), n, m.subject(), gate.FormatBounds(lo, hi)))
		}
	}
	return out
}

func zoneName(z string) string {
	if z == "" {
		return "(none)"
	}
	return z
}
