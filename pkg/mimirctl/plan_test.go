package mimirctl_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// TestPlanFollowsTheRecordedRun: the preview of a run in progress marks
// its done steps, names the run, and fits the rest in a window.
func TestPlanFollowsTheRecordedRun(t *testing.T) {
	ctx := context.Background()
	tg := fakeTarget()
	tg.State, tg.StateFile = "file", filepath.Join(t.TempDir(), "state.json")
	bind := mimirctl.DefaultBindOptions()

	pv, err := mimirctl.Plan(ctx, tg, mimirctl.PlanOptions{Plan: "./testdata/handover", Bind: bind})
	if err != nil {
		t.Fatal(err)
	}
	if pv.RunID != "" || pv.Remaining != 2 || pv.Digest == "" || pv.WindowEnd != "" {
		t.Errorf("before any run: run %q, remaining %d, digest %q, window %q", pv.RunID, pv.Remaining, pv.Digest, pv.WindowEnd)
	}

	var paused *plan.PausedError
	if err := mimirctl.Apply(ctx, tg, mimirctl.ApplyOptions{Plan: "./testdata/handover", Bind: bind}); !errors.As(err, &paused) {
		t.Fatalf("apply: %v, want a pause", err)
	}
	if _, err := mimirctl.Approve(ctx, tg, mimirctl.ApproveOptions{Step: "drain-traffic"}); err != nil {
		t.Fatal(err)
	}
	if err := mimirctl.Resume(ctx, tg, mimirctl.ResumeOptions{}); !errors.As(err, &paused) {
		t.Fatalf("resume: %v, want a pause at confirm-quiet", err)
	}

	until := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pv, err = mimirctl.Plan(ctx, tg, mimirctl.PlanOptions{Plan: "./testdata/handover", Bind: bind, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tg.CurrentState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pv.RunID != st.RunID || pv.Remaining != 1 || pv.Steps[0].Status != plan.PreviewDone {
		t.Errorf("during the run: run %q (want %q), remaining %d, first step %s", pv.RunID, st.RunID, pv.Remaining, pv.Steps[0].Status)
	}
	if pv.WindowEnd != "2026-11-23T10:00:00Z" || pv.Steps[1].FitsWindow == nil || !*pv.Steps[1].FitsWindow {
		t.Errorf("window %q, confirm-quiet fits %v; want it to fit a window until 10:00", pv.WindowEnd, pv.Steps[1].FitsWindow)
	}
}

func TestPlanErrors(t *testing.T) {
	ctx := context.Background()
	bind := mimirctl.DefaultBindOptions()
	for _, tc := range []struct {
		name  string
		setup func(*mimirctl.Target) // nil: fakeTarget as it is
		o     mimirctl.PlanOptions
		want  string
	}{
		{"options without an apply mode", nil, mimirctl.PlanOptions{Plan: "./testdata/handover"},
			`--apply-mode "": want direct or external`},
		{"an unknown built-in plan", nil, mimirctl.PlanOptions{Plan: "memberlist-cluster-lable", Bind: bind},
			`no built-in plan "memberlist-cluster-lable" (did you mean "memberlist-cluster-label"?)`},
		{"a missing plan directory", nil, mimirctl.PlanOptions{Plan: "./testdata/none", Bind: bind},
			"plan directory ./testdata/none: not found"},
		{"a parameter the plan does not declare", nil, mimirctl.PlanOptions{Plan: "./testdata/handover", Bind: bind, Params: map[string]string{"zone": "a"}},
			"zone"},
		{"an unknown state store", func(tg *mimirctl.Target) { tg.State = "s3" },
			mimirctl.PlanOptions{Plan: "./testdata/handover", Bind: bind}, `--state "s3": want configmap or file`},
		{"an unknown pod access mode", func(tg *mimirctl.Target) { tg.PodAccess = "ssh" },
			mimirctl.PlanOptions{Plan: "./testdata/handover", Bind: bind}, "--pod-access: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := fakeTarget()
			if tc.setup != nil {
				tc.setup(tg)
			}
			pv, err := mimirctl.Plan(ctx, tg, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) || pv != nil {
				t.Errorf("preview %v, error %v; want none and an error containing %q", pv, err, tc.want)
			}
		})
	}
}
