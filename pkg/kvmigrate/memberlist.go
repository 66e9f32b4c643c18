package kvmigrate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// MemberlistSpec is a memberlist gate: on every selected pod, KV keys
// matching each pattern are present (or absent), every selected pod is a
// member, and the gossip cluster has the expected number of members.
//
//	memberlist:
//	  pods: {labels: "gossip_ring_member=true"}
//	  selectedPods: true
//	  unknownMembers: fail
//	  keys: ["ha-tracker/.+"]
type MemberlistSpec struct {
	mimirapi.PodsSpec `yaml:",inline" json:",inline"`
	// Keys are regular expressions matched against whole keys; each must
	// match at least one live (not deleted) key. List the keys of a real
	// cluster rather than guessing prefixes: they depend on configuration
	// (e.g. "collectors/ring", "multi-zone/store-gateway",
	// "ha-tracker/<tenant>/<cluster>").
	Keys []string `yaml:"keys,omitempty" json:"keys,omitempty"`
	// AbsentKeys are regular expressions no live key may match.
	AbsentKeys []string `yaml:"absentKeys,omitempty" json:"absentKeys,omitempty"`
	// SelectedPods requires every running selected pod to be an alive member
	// in every selected pod's view, with no count given by hand. A member
	// is matched to a pod by name: memberlist's node name is the pod's
	// hostname, followed by "-" and 8 hex digits when
	// -memberlist.randomize-node-name is on (Mimir's default; dskit
	// kv/memberlist). A member that matches no selected pod but is a pod
	// of the namespace (its name names a pod there whose IP is the
	// member's address) is listed in the details as outside the selector
	// and not judged: Grafana's chart joins every component to the gossip
	// cluster through its configuration file, query-frontends of Mimir 3
	// included (they watch the partition ring), without labelling them as
	// members. The other members are unknown: another system gossiping on
	// the same port (grafana/mimir#6187). They are reported as a warning
	// unless UnknownMembers is "fail".
	SelectedPods bool `yaml:"selectedPods,omitempty" json:"selectedPods,omitempty"`
	// UnknownMembers is what a member matching no selected pod makes of the
	// gate with selectedPods: "warn" (default: pass, listed in the summary
	// and details) or "fail" (e.g. once a cluster label keeps other
	// systems out).
	UnknownMembers string `yaml:"unknownMembers,omitempty" json:"unknownMembers,omitempty"`
	// Members, MinMembers and MaxMembers bound the members each pod sees,
	// counting every member, unknown ones included: members is an exact
	// count, so another system's members joining the gossip cluster make it
	// fail. Prefer selectedPods, which needs no count.
	Members    *int `yaml:"members,omitempty" json:"members,omitempty"`
	MinMembers *int `yaml:"minMembers,omitempty" json:"minMembers,omitempty"`
	MaxMembers *int `yaml:"maxMembers,omitempty" json:"maxMembers,omitempty"`
}

// Validate reports a spec that cannot work, naming the field.
func (s MemberlistSpec) Validate() error {
	errs := []error{s.PodsSpec.Validate()}
	for field, pats := range map[string][]string{"keys": s.Keys, "absentKeys": s.AbsentKeys} {
		for i, p := range pats {
			if _, err := gate.WholeMatch(p); err != nil {
				errs = append(errs, fmt.Errorf("%s[%d]: %q is not a regular expression: %v", field, i, p, err))
			}
		}
	}
	if s.Members != nil && (s.MinMembers != nil || s.MaxMembers != nil) {
		errs = append(errs, errors.New("members: give members alone, or minMembers and/or maxMembers"))
	}
	switch s.UnknownMembers {
	case "", UnknownMembersWarn, UnknownMembersFail:
		if s.UnknownMembers != "" && !s.SelectedPods {
			errs = append(errs, errors.New("unknownMembers: members are known by the selected pods; add selectedPods: true"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknownMembers: %q is not %s or %s", s.UnknownMembers, UnknownMembersWarn, UnknownMembersFail))
	}
	if len(s.Keys) == 0 && len(s.AbsentKeys) == 0 && !s.SelectedPods && s.Members == nil && s.MinMembers == nil && s.MaxMembers == nil {
		errs = append(errs, errors.New("the gate checks nothing: add keys, absentKeys, selectedPods, members, minMembers or maxMembers"))
	}
	return errors.Join(errs...)
}

// Describe says what the gate checks.
func (s MemberlistSpec) Describe() string {
	var parts []string
	if len(s.Keys) > 0 {
		parts = append(parts, "keys /"+strings.Join(s.Keys, "/, /")+"/ present")
	}
	if len(s.AbsentKeys) > 0 {
		parts = append(parts, "keys /"+strings.Join(s.AbsentKeys, "/, /")+"/ absent")
	}
	if s.SelectedPods {
		p := "every selected pod seen alive by each (other members a warning)"
		if s.UnknownMembers == UnknownMembersFail {
			p = "every selected pod seen alive by each, no other member"
		}
		parts = append(parts, p)
	}
	switch {
	case s.Members != nil:
		parts = append(parts, fmt.Sprintf("%d members", *s.Members))
	case s.MinMembers != nil || s.MaxMembers != nil:
		parts = append(parts, "members "+gate.FormatBounds(s.MinMembers, s.MaxMembers))
	}
	return fmt.Sprintf("memberlist on %s: %s", s.DescribePods(), strings.Join(parts, ", "))
}

// Values of MemberlistSpec.UnknownMembers.
const (
	UnknownMembersWarn = "warn"
	UnknownMembersFail = "fail"
)

// MemberlistGate checks the memberlist KV of every selected pod.
type MemberlistGate struct {
	spec         MemberlistSpec
	keys, absent []*regexp.Regexp
	deps         gate.Deps
}

var _ gate.Gate = (*MemberlistGate)(nil)

// NewMemberlistGate builds a memberlist gate.
func NewMemberlistGate(spec MemberlistSpec, deps gate.Deps) (*MemberlistGate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	g := &MemberlistGate{spec: spec, deps: deps}
	for _, p := range spec.Keys {
		re, _ := gate.WholeMatch(p) // checked by Validate
		g.keys = append(g.keys, re)
	}
	for _, p := range spec.AbsentKeys {
		re, _ := gate.WholeMatch(p)
		g.absent = append(g.absent, re)
	}
	return g, nil
}

// Describe says what the gate checks.
func (g *MemberlistGate) Describe() string { return g.spec.Describe() }

// Evaluate reads /memberlist on every pod. A pod without memberlist fails.
// With selectedPods, the members are matched to the running selected pods;
// unknown members seen by any pod are listed once, in the summary and the
// first detail, whatever the verdict.
func (g *MemberlistGate) Evaluate(ctx context.Context) verdict.Observation {
	sel, err := gate.FetchPods(ctx, g.deps, g.spec.Pods, func(ctx context.Context, t podaccess.Target) (mimirapi.MemberlistStatus, error) {
		return mimirapi.FetchMemberlist(ctx, g.deps.Pods, t)
	})
	if err != nil {
		return verdict.Inconclusivef("cannot select pods: %v", err)
	}
	var own []string
	var inNamespace func(mimirapi.MemberlistMember) bool
	var listErr error
	if g.spec.SelectedPods {
		for _, r := range sel.Results {
			own = append(own, r.Target.Name)
		}
		inNamespace, listErr = g.namespaceMembers(ctx)
	}
	var unknown, outside []mimirapi.MemberlistMember // in the order pods and pages list them
	seen := map[string]bool{}
	obs := make([]gate.PodObservation, 0, sel.Total())
	for _, r := range sel.Results {
		var o verdict.Observation
		switch {
		case errors.Is(r.Err, mimirapi.ErrNoMemberlist):
			o = verdict.Failf("%v", r.Err)
		case r.Err != nil:
			o = verdict.Inconclusivef("%v", r.Err)
		default:
			var foreign, others []mimirapi.MemberlistMember
			o, foreign, others = g.judge(r.Value, own, inNamespace)
			unknown = appendUnseen(unknown, foreign, seen)
			outside = appendUnseen(outside, others, seen)
		}
		obs = append(obs, gate.PodObservation{Pod: r.Target.Name, Observation: o})
	}
	for _, nr := range sel.NotRunning {
		name, reason, _ := strings.Cut(nr, ": ")
		obs = append(obs, gate.PodObservation{Pod: name, Observation: verdict.Inconclusivef("not running: %s", reason)})
	}
	out := gate.CombinePods(g.spec.Pods, g.spec.MinPods, "match", obs)
	if len(outside) > 0 {
		out.Details = append([]string{fmt.Sprintf("%d members are pods of namespace %s outside the selection, not judged: %s (select them too to check what they see)",
			len(outside), g.deps.Namespace, memberNames(outside))}, out.Details...)
	}
	if listErr != nil {
		out.Details = append([]string{fmt.Sprintf("every member outside the selection counted as unknown: %v", listErr)}, out.Details...)
	}
	if len(unknown) > 0 && g.spec.UnknownMembers != UnknownMembersFail {
		out.Summary += fmt.Sprintf("; warning: %d members not among the selected pods", len(unknown))
		out.Details = append([]string{fmt.Sprintf("%d members not among the selected pods: %s (another system gossiping on the same port? a memberlist cluster label keeps it out)",
			len(unknown), memberNames(unknown))}, out.Details...)
	}
	return out
}

// appendUnseen appends to list the members of ms not in seen, marking them
// seen, so that a member every pod lists is reported once.
func appendUnseen(list, ms []mimirapi.MemberlistMember, seen map[string]bool) []mimirapi.MemberlistMember {
	for _, m := range ms {
		if !seen[m.Name] {
			seen[m.Name] = true
			list = append(list, m)
		}
	}
	return list
}

// namespaceMembers lists the pods of the gate's namespace and returns
// whether a member is one of them: its name, without memberlist's random
// suffix, names a pod whose IP is the member's address (a pod of another
// namespace or cluster with the same name has another address). Errors:
// the pods cannot be listed.
func (g *MemberlistGate) namespaceMembers(ctx context.Context) (func(mimirapi.MemberlistMember) bool, error) {
	pods, err := g.deps.Kube.CoreV1().Pods(g.deps.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the pods of namespace %s: %w", g.deps.Namespace, err)
	}
	ips := map[string][]string{}
	for _, p := range pods.Items {
		for _, ip := range p.Status.PodIPs {
			ips[p.Name] = append(ips[p.Name], ip.IP)
		}
		if p.Status.PodIP != "" && !slices.Contains(ips[p.Name], p.Status.PodIP) {
			ips[p.Name] = append(ips[p.Name], p.Status.PodIP)
		}
	}
	return func(m mimirapi.MemberlistMember) bool {
		for _, name := range []string{m.Name, randomSuffix.ReplaceAllString(m.Name, "")} {
			if m.Addr != "" && slices.Contains(ips[name], m.Addr) {
				return true
			}
		}
		return false
	}, nil
}

// judge checks one pod's view. own lists the running selected pods when
// selectedPods is set; it returns the members that match none of them,
// split by inNamespace (nil: none is) into unknown ones and the pods of
// the namespace outside the selection, which are not judged.
func (g *MemberlistGate) judge(st mimirapi.MemberlistStatus, own []string, inNamespace func(mimirapi.MemberlistMember) bool) (verdict.Observation, []mimirapi.MemberlistMember, []mimirapi.MemberlistMember) {
	live := st.LiveKeys()
	var problems []string
	for i, re := range g.keys {
		if len(matching(live, re)) == 0 {
			problems = append(problems, fmt.Sprintf("no key matches /%s/", g.spec.Keys[i]))
		}
	}
	for i, re := range g.absent {
		if m := matching(live, re); len(m) > 0 {
			problems = append(problems, fmt.Sprintf("keys matching /%s/ still present: %s", g.spec.AbsentKeys[i], strings.Join(m, ", ")))
		}
	}
	n := len(st.Members)
	lo, hi := g.spec.MinMembers, g.spec.MaxMembers
	if g.spec.Members != nil {
		lo, hi = g.spec.Members, g.spec.Members
	}
	if (lo != nil && n < *lo) || (hi != nil && n > *hi) {
		problems = append(problems, fmt.Sprintf("%d members, want %s: %s", n, gate.FormatBounds(lo, hi), memberNames(st.Members)))
	}
	var unknown, outside []mimirapi.MemberlistMember
	if g.spec.SelectedPods {
		unmatched, missing := MatchMembers(st.Members, own)
		for _, m := range unmatched {
			if inNamespace != nil && inNamespace(m) {
				outside = append(outside, m)
			} else {
				unknown = append(unknown, m)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("%d of %d selected pods not alive members: %s", len(missing), len(own), strings.Join(missing, ", ")))
		}
		if len(unknown) > 0 && g.spec.UnknownMembers == UnknownMembersFail {
			problems = append(problems, fmt.Sprintf("%d members not among the selected pods: %s", len(unknown), memberNames(unknown)))
		}
	}
	summary := fmt.Sprintf("%d members, %d live keys", n, len(live))
	if len(problems) > 0 {
		return verdict.Failf("%s", summary).WithDetails(problems...), unknown, outside
	}
	return verdict.Passf("%s", summary), unknown, outside
}

// randomSuffix is what -memberlist.randomize-node-name appends to the node
// name: "-" and 4 random bytes in hex (dskit kv/memberlist).
var randomSuffix = regexp.MustCompile(`-[0-9a-f]{8}$`)

// MatchMembers matches gossip members to pod names. A member belongs to a
// pod when its name is the pod's name, or the pod's name with memberlist's
// random suffix. unknown lists the members that belong to no pod; missing
// lists the pods (sorted) with no alive member (State 0): absent, or seen
// only as suspect.
func MatchMembers(members []mimirapi.MemberlistMember, pods []string) (unknown []mimirapi.MemberlistMember, missing []string) {
	alive := make(map[string]bool, len(pods))
	for _, p := range pods {
		alive[p] = false
	}
	for _, m := range members {
		pod := m.Name
		if _, ok := alive[pod]; !ok {
			pod = randomSuffix.ReplaceAllString(m.Name, "")
		}
		seen, ok := alive[pod]
		if !ok {
			unknown = append(unknown, m)
			continue
		}
		alive[pod] = seen || m.State == mimirapi.MemberAlive
	}
	for _, p := range pods {
		if !alive[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	return unknown, missing
}

func matching(keys []string, re *regexp.Regexp) []string {
	var out []string
	for _, k := range keys {
		if re.MatchString(k) {
			out = append(out, k)
		}
	}
	return out
}

// memberNames lists members by name, with their state when not alive.
func memberNames(ms []mimirapi.MemberlistMember) string {
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.State != mimirapi.MemberAlive {
			names = append(names, fmt.Sprintf("%s (%s)", m.Name, m.StateName()))
			continue
		}
		names = append(names, m.Name)
	}
	return strings.Join(names, ", ")
}
