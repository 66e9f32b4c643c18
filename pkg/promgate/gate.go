package promgate

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Querier runs instant queries; v1.API satisfies it.
type Querier interface {
	Query(ctx context.Context, query string, ts time.Time, opts ...v1.Option) (model.Value, v1.Warnings, error)
}

// Deps are what a PromQL gate is built with.
type Deps struct {
	// API runs the queries (NewAPI(conn) in production).
	API Querier
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Timeout bounds one query (Connection.QueryTimeout()).
	Timeout time.Duration
}

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
