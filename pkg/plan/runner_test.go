package plan_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

func TestApplyingAFinishedPlanAgainChangesNothing(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1")))
	if err := h.apply(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	runID := h.state(t).RunID
	if err := h.apply(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.world.Applies["x"] != 1 || h.state(t).RunID != runID {
		t.Errorf("second apply: applies %v, run %s→%s", h.world.Applies, runID, h.state(t).RunID)
	}
	last := h.events.events[len(h.events.events)-1]
	if last.Type != plan.EventRunFinished || !strings.Contains(last.Message, "already complete") {
		t.Errorf("last event = %+v", last)
	}
}

func TestApplyRefusals(t *testing.T) {
	paused := testPlan(step("a", withManual("do it")))
	tests := map[string]struct {
		second  func(*harness) *plan.Plan
		opts    plan.ApplyOptions
		want    string
		allowed bool
	}{
		"another plan while a run is unfinished": {
			second: func(*harness) *plan.Plan { p := testPlan(step("a", withSet("x", "1"))); p.Name = "other"; return p },
			want:   "of plan test is paused",
		},
		"a changed plan without --allow-plan-change": {
			second: func(*harness) *plan.Plan {
				return testPlan(step("a", withManual("do it")), step("b", withSet("x", "1")))
			},
			want: "pass --allow-plan-change",
		},
		"a changed plan with --allow-plan-change continues": {
			second: func(*harness) *plan.Plan {
				return testPlan(step("a", withManual("do it")), step("b", withSet("x", "1")))
			},
			opts:    plan.ApplyOptions{AllowPlanChange: true},
			want:    "waits for a person",
			allowed: true,
		},
		"another cluster": {
			second: func(h *harness) *plan.Plan {
				h.runner.Identity.ClusterUID = "uid-2"
				return paused
			},
			want: "belongs to namespace mimir on https://test (cluster uid-1)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			var pe *plan.PausedError
			if err := h.apply(t, paused, plan.ApplyOptions{}); !errors.As(err, &pe) {
				t.Fatal(err)
			}
			err := h.apply(t, tc.second(h), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !tc.allowed && len(h.state(t).Steps) != 1 {
				t.Error("a refused apply changed the state")
			}
		})
	}
}

func TestASecondRunIsRefusedWithTheHolderName(t *testing.T) {
	h := newHarness(t)
	lock, err := h.runner.Locker.Acquire(context.Background(), "alice@laptop (pid 42)")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(context.Background())
	err = h.apply(t, testPlan(step("a", withSet("x", "1"))), plan.ApplyOptions{})
	var le *plan.LockedError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "alice@laptop (pid 42)") {
		t.Fatalf("err = %v", err)
	}
	if h.world.Applies["x"] != 0 {
		t.Error("acted without the lock")
	}
}

func TestAbortKeepsHistoryAndAllowsANewRun(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1")), step("b", withManual("switch")))
	var pe *plan.PausedError
	if err := h.apply(t, p, plan.ApplyOptions{}); !errors.As(err, &pe) {
		t.Fatal(err)
	}
	if err := h.resume(t, p, plan.ApplyOptions{}); !errors.As(err, &pe) {
		t.Fatal(err)
	}
	st, err := h.runner.Abort(context.Background(), "rollback decided", plan.ApplyOptions{})
	if err != nil || st.Status != plan.RunAborted {
		t.Fatalf("abort: %v %+v", err, st)
	}
	if err := h.resume(t, p, plan.ApplyOptions{}); !errors.Is(err, plan.ErrNothingToResume) {
		t.Errorf("resume after abort: %v", err)
	}
	other := testPlan(step("z", withSet("z", "1")))
	other.Name = "other"
	if err := h.apply(t, other, plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	st = h.state(t)
	if len(st.History) != 1 || st.History[0].Status != plan.RunAborted || st.History[0].Plan != "test" {
		t.Errorf("history = %+v", st.History)
	}
}

func TestStatusReadsWithoutTheLock(t *testing.T) {
	h := newHarness(t)
	st, info, err := h.runner.Status(context.Background())
	if err != nil || st != nil || info != nil {
		t.Fatalf("empty: %v %v %v", st, info, err)
	}
	lock, err := h.runner.Locker.Acquire(context.Background(), "carol")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(context.Background())
	_, info, err = h.runner.Status(context.Background())
	if err != nil || info == nil || info.Holder != "carol" || info.ID != lock.ID() {
		t.Errorf("info = %+v, err %v", info, err)
	}
}

func TestResumeReloadsThePlanFromItsRecordedSource(t *testing.T) {
	paused := func(h *harness, source string) {
		t.Helper()
		p := testPlan(step("a", withManual("do it")))
		p.Source = source
		var pe *plan.PausedError
		if err := h.apply(t, p, plan.ApplyOptions{}); !errors.As(err, &pe) {
			t.Fatal(err)
		}
	}
	resumeFrom := func(h *harness, name string) (string, error) {
		var asked string
		err := h.runner.Resume(context.Background(), func(source string, _ plan.ParamValues) (*plan.Plan, error) {
			asked = source
			p := testPlan(step("a", withManual("do it")))
			p.Name, p.Source = name, source
			return p, nil
		}, plan.ApplyOptions{})
		return asked, err
	}
	t.Run("a plan directory is reloaded from its path", func(t *testing.T) {
		h := newHarness(t)
		paused(h, "/plans/test")
		if h.state(t).PlanSource != "/plans/test" {
			t.Fatalf("state records source %q", h.state(t).PlanSource)
		}
		if asked, err := resumeFrom(h, "test"); asked != "/plans/test" || !strings.Contains(fmt.Sprint(err), "waits for a person") {
			t.Errorf("reloaded from %q: %v", asked, err)
		}
	})
	t.Run("a state without a source reloads the built-in plan of its name", func(t *testing.T) {
		h := newHarness(t)
		paused(h, "")
		if asked, err := resumeFrom(h, "test"); asked != "test" || !strings.Contains(fmt.Sprint(err), "waits for a person") {
			t.Errorf("reloaded from %q: %v", asked, err)
		}
	})
	t.Run("another plan at the recorded path is refused", func(t *testing.T) {
		h := newHarness(t)
		paused(h, "/plans/test")
		if _, err := resumeFrom(h, "other"); err == nil || !strings.Contains(err.Error(), "/plans/test now holds plan other") {
			t.Errorf("err = %v", err)
		}
	})
}
