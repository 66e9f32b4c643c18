package mimirapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// MemberlistSpec is a memberlist gate: on every selected pod, KV keys
// matching each pattern are present (or absent), and the gossip cluster has
// the expected number of members.
//
//	memberlist:
//	  pods: {labels: "name=distributor"}
//	  keys: ["ha-tracker/.+"]
//	  minMembers: 6
type MemberlistSpec struct {
	PodsSpec `yaml:",inline" json:",inline"`
	// Keys are regular expressions matched against whole keys; each must
	// match at least one live (not deleted) key. List the keys of a real
	// cluster rather than guessing prefixes: they depend on configuration
	// (e.g. "collectors/ring", "multi-zone/store-gateway",
	// "ha-tracker/<tenant>/<cluster>").
	Keys []string `yaml:"keys,omitempty" json:"keys,omitempty"`
	// AbsentKeys are regular expressions no live key may match.
	AbsentKeys []string `yaml:"absentKeys,omitempty" json:"absentKeys,omitempty"`
	// Members, MinMembers and MaxMembers bound the members each pod sees.
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
	if len(s.Keys) == 0 && len(s.AbsentKeys) == 0 && s.Members == nil && s.MinMembers == nil && s.MaxMembers == nil {
		errs = append(errs, errors.New("the gate checks nothing: add keys, absentKeys, members, minMembers or maxMembers"))
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
	switch {
	case s.Members != nil:
		parts = append(parts, fmt.Sprintf("%d members", *s.Members))
	case s.MinMembers != nil || s.MaxMembers != nil:
		parts = append(parts, "members "+gate.FormatBounds(s.MinMembers, s.MaxMembers))
	}
	return fmt.Sprintf("memberlist on %s: %s", s.describe(), strings.Join(parts, ", "))
}

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
func (g *MemberlistGate) Evaluate(ctx context.Context) verdict.Observation {
	return gate.JudgePods(ctx, g.deps, g.spec.Pods, gate.PodOptions{MinPods: g.spec.MinPods}, "match", func(ctx context.Context, t podaccess.Target) verdict.Observation {
		st, err := FetchMemberlist(ctx, g.deps.Pods, t)
		switch {
		case errors.Is(err, ErrNoMemberlist):
			return verdict.Failf("%v", err)
		case err != nil:
			return verdict.Inconclusivef("%v", err)
		}
		return g.judge(st)
	})
}

func (g *MemberlistGate) judge(st MemberlistStatus) verdict.Observation {
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
	summary := fmt.Sprintf("%d members, %d live keys", n, len(live))
	if len(problems) > 0 {
		return verdict.Failf("%s", summary).WithDetails(problems...)
	}
	return verdict.Passf("%s", summary)
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

func memberNames(ms []MemberlistMember) string {
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return strings.Join(names, ", ")
}
