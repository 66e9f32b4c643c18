package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// A series of passes (`consecutive`) recorded before a window closed goes on
// in the resumed run when the next observation passes; a failure in between
// starts it again.
func TestAResumedRunContinuesAGatesSeriesOfPasses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first verdict.Verdict
		evals int // evaluations in the resumed run
	}{
		{"the next observation passes", verdict.Pass, 1},
		{"the next observation fails", verdict.Fail, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.world.Values["x"] = "1"
			p := testPlan(step("a", withGate("x", "1", plan.Policy{Interval: duration.Duration(10 * time.Second), Consecutive: 3})))
			var wc *plan.WindowClosedError
			if err := h.apply(t, p, plan.ApplyOptions{Until: h.clock.Now().Add(15 * time.Second)}); !errors.As(err, &wc) {
				t.Fatalf("first run: %v, want the window to close after two passes", err)
			}
			gs := h.state(t).Steps[0].Gates[0]
			if gs.Streak != 2 || gs.FirstPassAt == nil || gs.Passed {
				t.Fatalf("recorded %+v, want a series of 2 passes", gs)
			}
			first := *gs.FirstPassAt
			h.clock.Set(h.clock.Now().Add(time.Hour))
			h.world.Script["x"] = []verdict.Verdict{tc.first}
			if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			gs = h.state(t).Steps[0].Gates[0]
			if !gs.Passed || gs.Evaluations != tc.evals {
				t.Errorf("passed %v after %d evaluations, want %d", gs.Passed, gs.Evaluations, tc.evals)
			}
			if tc.first == verdict.Pass && !gs.FirstPassAt.Equal(first) {
				t.Errorf("the series began %s, recorded %s", gs.FirstPassAt, first)
			}
		})
	}
}

// fakeHoldingGate is a fake HoldingGate: it holds from its first pass and
// records what ContinueHold was given.
type fakeHoldingGate struct {
	plan.Gate
	now          func() time.Time
	since        time.Time
	gotSince     time.Time
	gotSeen      time.Time
	continueHold bool
}

func (g *fakeHoldingGate) Evaluate(ctx context.Context) verdict.Observation {
	obs := g.Gate.Evaluate(ctx)
	if obs.Verdict != verdict.Pass {
		g.since = time.Time{}
		return obs
	}
	if g.since.IsZero() {
		g.since = g.now()
	}
	if g.now().Sub(g.since) < 5*time.Minute {
		return verdict.Inconclusivef("holds since %s", g.since)
	}
	return obs
}

func (g *fakeHoldingGate) HoldSince() time.Time { return g.since }

func (g *fakeHoldingGate) ContinueHold(_ context.Context, since, seen time.Time) string {
	g.gotSince, g.gotSeen = since, seen
	if g.continueHold {
		g.since = since
		return "continues"
	}
	return "starts again"
}

type holdingBinder struct {
	plantest.Binder
	gate *fakeHoldingGate
}

func (b holdingBinder) BindGate(ctx context.Context, p *plan.Plan, s *plan.Step, cfg plan.GateConfig) (plan.Gate, error) {
	inner, err := b.Binder.BindGate(ctx, p, s, cfg)
	if err != nil {
		return nil, err
	}
	b.gate.Gate = inner
	return b.gate, nil
}

// A hold recorded before a stop is handed back to the resumed run's gate
// with the time it was last seen, and the gate decides.
func TestAResumedRunHandsARecordedHoldBackToItsGate(t *testing.T) {
	h := newHarness(t)
	h.world.Values["x"] = "1"
	g := &fakeHoldingGate{now: h.clock.Now, continueHold: true}
	h.runner.Binder = holdingBinder{plantest.Binder{World: h.world}, g}
	p := testPlan(step("a", withGate("x", "1", plan.Policy{Interval: duration.Duration(time.Minute), Timeout: duration.Duration(time.Hour)})))
	start := h.clock.Now()
	var wc *plan.WindowClosedError
	if err := h.apply(t, p, plan.ApplyOptions{Until: start.Add(3*time.Minute + 30*time.Second)}); !errors.As(err, &wc) {
		t.Fatalf("first run: %v", err)
	}
	gs := h.state(t).Steps[0].Gates[0]
	if gs.HoldSince == nil || !gs.HoldSince.Equal(start) {
		t.Fatalf("recorded hold %v, want %s", gs.HoldSince, start)
	}
	seen := gs.At
	h.clock.Set(h.clock.Now().Add(time.Minute))
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if !g.gotSince.Equal(start) || !g.gotSeen.Equal(seen) {
		t.Errorf("ContinueHold(%s, %s), want (%s, %s)", g.gotSince, g.gotSeen, start, seen)
	}
	// The hold went on: 5 minutes after it began, not 5 after the resume.
	if got := h.clock.Now().Sub(start); got > 6*time.Minute {
		t.Errorf("passed %s after the hold began, want about 5m", got)
	}
	var said bool
	for _, e := range h.events.events {
		said = said || (e.Type == plan.EventProgress && strings.Contains(e.Message, "continues"))
	}
	if !said {
		t.Error("the resumed run did not say what became of the hold")
	}
}
