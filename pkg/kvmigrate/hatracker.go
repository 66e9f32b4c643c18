package kvmigrate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// HATrackerSpec is an HA-tracker agreement gate: every selected distributor
// shows the same elected replica for every (tenant, cluster).
//
//	haTracker:
//	  pods: {labels: "name=distributor"}
//	  minPods: 3
//	  clusters: "prom-.*"
type HATrackerSpec struct {
	mimirapi.PodsSpec `yaml:",inline" json:",inline"`
	// Tenants and Clusters are regular expressions that narrow the HA
	// clusters compared (default: all).
	Tenants  string `yaml:"tenants,omitempty" json:"tenants,omitempty"`
	Clusters string `yaml:"clusters,omitempty" json:"clusters,omitempty"`
	// MinClusters is how many (tenant, cluster) pairs must be elected at
	// all (default 1): no election anywhere is inconclusive, never agreement.
	MinClusters int `yaml:"minClusters,omitempty" json:"minClusters,omitempty"`
}

// Validate reports a spec that cannot work, naming the field.
func (s HATrackerSpec) Validate() error {
	errs := []error{s.PodsSpec.Validate()}
	for field, p := range map[string]string{"tenants": s.Tenants, "clusters": s.Clusters} {
		if _, err := gate.WholeMatch(p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a regular expression: %v", field, p, err))
		}
	}
	if s.MinClusters < 0 {
		errs = append(errs, fmt.Errorf("minClusters: must not be negative, got %d", s.MinClusters))
	}
	return errors.Join(errs...)
}

// Describe says what the gate checks.
func (s HATrackerSpec) Describe() string {
	d := fmt.Sprintf("HA tracker: %s agree on the elected replica of every cluster", s.DescribePods())
	if s.Tenants != "" || s.Clusters != "" {
		d += fmt.Sprintf(" (tenants /%s/, clusters /%s/)", orAll(s.Tenants), orAll(s.Clusters))
	}
	return d
}

func orAll(p string) string {
	if p == "" {
		return ".*"
	}
	return p
}

// HATrackerGate compares the elected replicas of every selected distributor.
type HATrackerGate struct {
	spec              HATrackerSpec
	tenants, clusters *regexp.Regexp
	deps              gate.Deps
}

var _ gate.Gate = (*HATrackerGate)(nil)

// NewHATrackerGate builds an HA-tracker agreement gate.
func NewHATrackerGate(spec HATrackerSpec, deps gate.Deps) (*HATrackerGate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	g := &HATrackerGate{spec: spec, deps: deps}
	g.tenants, _ = gate.WholeMatch(orAll(spec.Tenants)) // checked by Validate
	g.clusters, _ = gate.WholeMatch(orAll(spec.Clusters))
	return g, nil
}

// Describe says what the gate checks.
func (g *HATrackerGate) Describe() string { return g.spec.Describe() }

// Evaluate reads every distributor's HA tracker page and compares them. A
// cluster some distributor does not know, or for which distributors name
// different replicas, fails; an unreachable distributor makes the result at
// best inconclusive.
func (g *HATrackerGate) Evaluate(ctx context.Context) verdict.Observation {
	sel, err := gate.FetchPods(ctx, g.deps, g.spec.Pods, func(ctx context.Context, t podaccess.Target) (mimirapi.HATrackerStatus, error) {
		return mimirapi.FetchHATracker(ctx, g.deps.Pods, t)
	})
	if err != nil {
		return verdict.Inconclusivef("cannot select distributors: %v", err)
	}
	minPods := max(g.spec.MinPods, 1)
	var unreadable []string
	views := map[string]map[string]string{} // "tenant/cluster" → pod → replica
	var pods []string
	for _, r := range sel.Results {
		if r.Err != nil {
			unreadable = append(unreadable, fmt.Sprintf("%s: %v", r.Target.Name, r.Err))
			continue
		}
		pods = append(pods, r.Target.Name)
		for _, e := range r.Value.Elected {
			if !g.tenants.MatchString(e.Tenant) || !g.clusters.MatchString(e.Cluster) {
				continue
			}
			key := e.Tenant + "/" + e.Cluster
			if views[key] == nil {
				views[key] = map[string]string{}
			}
			views[key][r.Target.Name] = e.Replica
		}
	}
	unreadable = append(unreadable, sel.NotRunning...)
	return g.judge(views, pods, unreadable, sel.Total(), minPods)
}

func (g *HATrackerGate) judge(views map[string]map[string]string, pods, unreadable []string, total, minPods int) verdict.Observation {
	switch {
	case total == 0:
		return verdict.Inconclusivef("found no %s: nothing to compare", g.spec.Pods)
	case total < minPods:
		return verdict.Failf("%d distributors selected, want at least %d", total, minPods).WithDetails(unreadable...)
	case len(pods) == 0:
		return verdict.Inconclusivef("no distributor answered").WithDetails(unreadable...)
	}
	minClusters := max(g.spec.MinClusters, 1)
	if len(views) < minClusters {
		return verdict.Inconclusivef("%d HA clusters elected across %d distributors, want at least %d: nothing to compare", len(views), len(pods), minClusters).WithDetails(unreadable...)
	}
	keys := make([]string, 0, len(views))
	for k := range views {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	for _, k := range keys {
		if p := disagreement(k, views[k], pods); p != "" {
			problems = append(problems, p)
		}
	}
	summary := fmt.Sprintf("%d of %d HA clusters agree across %d distributors", len(keys)-len(problems), len(keys), len(pods))
	switch {
	case len(problems) > 0:
		return verdict.Failf("%s", summary).WithDetails(append(problems, unreadable...)...)
	case len(unreadable) > 0:
		return verdict.Inconclusivef("%s; %d distributors could not be read", summary, len(unreadable)).WithDetails(unreadable...)
	}
	return verdict.Passf("%s", summary)
}

// disagreement describes how distributors differ about one cluster, or "".
func disagreement(key string, byPod map[string]string, pods []string) string {
	replicas := map[string][]string{}
	for _, p := range pods {
		r, ok := byPod[p]
		if !ok {
			r = "(none)"
		}
		replicas[r] = append(replicas[r], p)
	}
	if len(replicas) == 1 {
		return ""
	}
	names := make([]string, 0, len(replicas))
	for r := range replicas {
		names = append(names, r)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, r := range names {
		parts = append(parts, fmt.Sprintf("%s on %s", r, strings.Join(replicas[r], ", ")))
	}
	return fmt.Sprintf("%s: distributors disagree: %s", key, strings.Join(parts, "; "))
}
