package promgate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Querier runs instant and range queries; v1.API satisfies it.
type Querier interface {
	Query(ctx context.Context, query string, ts time.Time, opts ...v1.Option) (model.Value, v1.Warnings, error)
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, error)
}

// Deps are what a PromQL gate is built with.
type Deps struct {
	// API runs the queries (NewAPI(conn) in production).
	API Querier
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Timeout bounds one query (Connection.QueryTimeout()).
	Timeout time.Duration
	// Namespace is the Kubernetes namespace of the Mimir cluster, which
	// replaces NamespaceVariable in the query. A query that uses the
	// variable without a namespace is refused.
	Namespace string
}

// NamespaceVariable in a query stands for Deps.Namespace, as Grafana
// dashboards' template variable of the same name does (Mimir's mixin
// selects its cluster with namespace="$namespace"). One Prometheus often
// scrapes several Mimir clusters (namespaces); a gate that does not select
// its own namespace also sees the others' traffic.
const NamespaceVariable = "$namespace"

// Gate evaluates a PromQL spec. It keeps the time since which the condition
// has held, for "for".
type Gate struct {
	spec Spec
	deps Deps

	mu    sync.Mutex
	since time.Time // zero: the condition did not hold at the last evaluation
}

var _ gate.Gate = (*Gate)(nil)

// New builds a PromQL gate.
func New(spec Spec, deps Deps) (*Gate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if deps.API == nil {
		return nil, fmt.Errorf("promql gate %q: no Prometheus connection (give --prometheus-url)", oneLine(spec.Query))
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Timeout <= 0 {
		deps.Timeout = DefaultTimeout
	}
	if strings.Contains(spec.Query, NamespaceVariable) {
		if deps.Namespace == "" {
			return nil, fmt.Errorf("promql gate %q uses %s, but the run has no namespace", oneLine(spec.Query), NamespaceVariable)
		}
		spec.Query = strings.ReplaceAll(spec.Query, NamespaceVariable, deps.Namespace)
	}
	return &Gate{spec: spec, deps: deps}, nil
}

// Describe says what the gate checks.
func (g *Gate) Describe() string { return g.spec.Describe() }

// Evaluate runs the query once and judges the result. A failed query, a
// range-vector or string result are inconclusive; server warnings are listed
// in the details.
func (g *Gate) Evaluate(ctx context.Context) verdict.Observation {
	now := g.deps.Now()
	obs := g.evaluateOnce(ctx, now)
	if g.spec.For <= 0 {
		return obs
	}
	return g.hold(obs, now)
}

func (g *Gate) evaluateOnce(ctx context.Context, now time.Time) verdict.Observation {
	ctx, cancel := context.WithTimeout(ctx, g.deps.Timeout)
	defer cancel()
	val, warnings, err := g.deps.API.Query(ctx, g.spec.Query, now)
	if err != nil {
		return verdict.Inconclusivef("query `%s` failed: %v", oneLine(g.spec.Query), err).WithDetails(warningDetails(warnings)...)
	}
	samples, err := Samples(val)
	if err != nil {
		return verdict.Inconclusivef("query `%s`: %v", oneLine(g.spec.Query), err).WithDetails(warningDetails(warnings)...)
	}
	return g.spec.Condition.Evaluate(samples).WithDetails(warningDetails(warnings)...)
}

// hold applies "for": a pass counts only once the condition has held for the
// whole duration; anything else resets the count.
func (g *Gate) hold(obs verdict.Observation, now time.Time) verdict.Observation {
	g.mu.Lock()
	defer g.mu.Unlock()
	if obs.Verdict != verdict.Pass {
		g.since = time.Time{}
		return obs
	}
	if g.since.IsZero() {
		g.since = now
	}
	held := now.Sub(g.since)
	if held < g.spec.For.D() {
		return verdict.Observation{
			Verdict: verdict.Inconclusive,
			Summary: fmt.Sprintf("holds for %s of the required %s (since %s)", held.Truncate(time.Second), g.spec.For, g.since.UTC().Format(time.RFC3339)),
			Details: append([]string{obs.Summary}, obs.Details...),
		}
	}
	obs.Summary += fmt.Sprintf(" (held for %s)", held.Truncate(time.Second))
	return obs
}

func warningDetails(w v1.Warnings) []string {
	out := make([]string, 0, len(w))
	for _, s := range w {
		out = append(out, "server warning: "+s)
	}
	return out
}

// HoldSince is when the current hold of the condition began (the first pass
// of an unbroken series of passes); zero when the condition does not hold
// now or the gate has no "for".
func (g *Gate) HoldSince() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.since
}

// maxGapPoints bounds the points of the range query that checks a gap
// (Prometheus refuses more than 11,000 per series).
const maxGapPoints = 1000

// ContinueHold restores a hold a stopped run recorded: it began at since and
// the condition was last seen holding at seen. The gap from seen to now is
// not assumed: the condition is evaluated by Prometheus over it (a range
// query at a step of at least 15s, at most maxGapPoints points) and the hold
// continues only when the condition held at every point. Otherwise it starts
// again after the last point where it did not hold, or at the next
// evaluation when the gap cannot be checked (a failed query, no data). It
// returns a sentence for the run's events.
func (g *Gate) ContinueHold(ctx context.Context, since, seen time.Time) string {
	if g.spec.For <= 0 || since.IsZero() {
		return ""
	}
	now := g.deps.Now()
	restart := func(at time.Time, why string) string {
		g.mu.Lock()
		g.since = at
		g.mu.Unlock()
		if at.IsZero() {
			return fmt.Sprintf("the hold that began %s starts again: %s", since.UTC().Format(time.RFC3339), why)
		}
		return fmt.Sprintf("the hold that began %s starts again from %s: %s", since.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339), why)
	}
	if seen.Before(since) || now.Before(seen) {
		return restart(time.Time{}, "its record is inconsistent")
	}
	step := max(15*time.Second, now.Sub(seen)/maxGapPoints).Truncate(time.Second)
	// Whole seconds, so that the points Prometheus returns fall exactly on
	// start + k·step; the first is not before seen.
	start := seen.Truncate(time.Second)
	if start.Before(seen) {
		start = start.Add(time.Second)
	}
	ctx, cancel := context.WithTimeout(ctx, g.deps.Timeout)
	defer cancel()
	val, _, err := g.deps.API.QueryRange(ctx, g.spec.Query, v1.Range{Start: start, End: now, Step: step})
	if err != nil {
		return restart(time.Time{}, fmt.Sprintf("the time the run was stopped cannot be checked (%v)", err))
	}
	m, ok := val.(model.Matrix)
	if !ok || len(m) == 0 {
		return restart(time.Time{}, "Prometheus has no data for the time the run was stopped")
	}
	byTime := map[model.Time][]gate.Sample{}
	for _, series := range m {
		for _, p := range series.Values {
			byTime[p.Timestamp] = append(byTime[p.Timestamp], gate.Sample{Series: series.Metric.String(), Value: float64(p.Value)})
		}
	}
	var broken, resumed time.Time // the last point that did not hold, the first that held after it
	for t := start; !t.After(now); t = t.Add(step) {
		obs := g.spec.Evaluate(byTime[model.TimeFromUnixNano(t.UnixNano())])
		switch {
		case obs.Verdict != verdict.Pass:
			broken, resumed = t, time.Time{}
		case !broken.IsZero() && resumed.IsZero():
			resumed = t
		}
	}
	if !broken.IsZero() {
		return restart(resumed, fmt.Sprintf("the condition did not hold at %s while the run was stopped", broken.UTC().Format(time.RFC3339)))
	}
	g.mu.Lock()
	g.since = since
	g.mu.Unlock()
	return fmt.Sprintf("the hold that began %s continues: the condition held at every %s step while the run was stopped (%s to %s)",
		since.UTC().Format(time.RFC3339), step, seen.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
}
