package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// The run layer of commands: runX called with options as the parse layer
// gives them, on the fake cluster and clock of testCLI, without flags.

func TestRunPlanPrintsThePreviewAndSaysWhetherStepsRemain(t *testing.T) {
	c := newTestCLI(t)
	var out, errOut bytes.Buffer
	opts := &PlanOptions{Factory: c.factory("", &out, &errOut), Plan: "demo",
		BindFlags: BindFlags{Params: map[string]string{}, Bind: defaultBind}, DetailedExitCode: true}
	if err := runPlan(context.Background(), opts); !errors.Is(err, ErrChangesPending) {
		t.Fatalf("error %v, want ErrChangesPending (steps remain); stderr:\n%s", err, errOut.String())
	}
	golden(t, "plan-demo.golden", out.String())
}

// TestRunPlanEndsTheWindowByTheFactoryClock checks that the window the
// parse layer kept as typed is placed at run time, on the factory's clock
// (testCLI's starts at 2026-11-23 09:00 UTC).
func TestRunPlanEndsTheWindowByTheFactoryClock(t *testing.T) {
	c := newTestCLI(t)
	var out, errOut bytes.Buffer
	opts := &PlanOptions{Factory: c.factory("", &out, &errOut), Plan: "demo", BindFlags: BindFlags{Params: map[string]string{}, Bind: defaultBind}}

	opts.WindowFlags = WindowFlags{Until: "2026-11-23 08:00"}
	if err := runPlan(context.Background(), opts); err == nil || err.Error() != "the maintenance window already ended at 2026-11-23T08:00:00Z" {
		t.Fatalf("a window that ended at 08:00: error %v", err)
	}
	if out.Len() > 0 {
		t.Errorf("a preview was printed although the window had ended:\n%s", out.String())
	}

	opts.WindowFlags = WindowFlags{Until: "10:00", Window: 4 * time.Hour}
	if err := runPlan(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Window until 2026-11-23T10:00:00Z:") {
		t.Errorf("the preview does not end the window at 10:00, the earlier of --until and --window:\n%s", out.String())
	}
}

func TestRunApplyPausesAndRunAbortListsTheUndoHints(t *testing.T) {
	c := newTestCLI(t)
	var out, errOut bytes.Buffer
	f := c.factory("", &out, &errOut)
	err := runApply(context.Background(), &ApplyOptions{Factory: f, Plan: "demo",
		ApplyFlags: ApplyFlags{BindFlags: BindFlags{Params: map[string]string{}, Bind: defaultBind}}})
	var paused *plan.PausedError
	if !errors.As(err, &paused) {
		t.Fatalf("apply: error %v, want a pause at the manual step; stderr:\n%s", err, errOut.String())
	}
	if c.world.values["replicas"] != "3" {
		t.Errorf("the first step did not run: %v", c.world.values)
	}
	if c.bound.ApplyMode != "direct" {
		t.Errorf("bound with %+v, want the options given", c.bound)
	}
	out.Reset()
	errOut.Reset()
	if err := runAbort(context.Background(), &AbortOptions{Factory: f, Reason: "window over"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "aborted; nothing was changed in the cluster") || !strings.Contains(out.String(), "To revert, newest first:\n  ") {
		t.Errorf("abort printed\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	st, err := f.CurrentState(context.Background())
	if err != nil || st == nil || st.Status != plan.RunAborted || st.Reason != "window over" {
		t.Errorf("state after abort: %+v, %v", st, err)
	}
}

func TestRunPlansShowBindsTheGivenParameters(t *testing.T) {
	c := newTestCLI(t)
	var out, errOut bytes.Buffer
	opts := &PlansShowOptions{Factory: c.factory("", &out, &errOut), Plan: "demo", Params: map[string]string{"replicas": "5"}}
	if err := runPlansShow(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	golden(t, "plans-show-demo.golden", out.String())
}
