package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/internal/golden"
	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/ringfake"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
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
	golden.Assert(t, "plan-demo.golden", out.Bytes())
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
	if c.world.Values["replicas"] != "3" {
		t.Errorf("the first step did not run: %v", c.world.Values)
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
	golden.Assert(t, "plans-show-demo.golden", out.Bytes())
}

// ringPages is the ingester ring of three zones testCLI's clock sees at
// 09:00: ingester-zone-c-0 stopped heartbeating ten minutes before.
func ringPages(c *testCLI) *ringfake.Pages {
	now := c.clock.Now()
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	registered := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	return ringfake.New(now).Set("/ingester/ring",
		ringfake.Member{ID: "ingester-zone-a-0", State: "ACTIVE", Zone: "zone-a", Address: "10.0.1.4:9095", Heartbeat: ago(4 * time.Second), Registered: registered, Tokens: 512},
		ringfake.Member{ID: "ingester-zone-b-0", State: "LEAVING", Zone: "zone-b", Address: "10.0.2.7:9095", Heartbeat: ago(9 * time.Second), Registered: registered, Tokens: 512},
		ringfake.Member{ID: "ingester-zone-c-0", State: "UNHEALTHY", Zone: "zone-c", Address: "10.0.3.2:9095", Heartbeat: ago(10 * time.Minute), Registered: registered, Tokens: 512},
	)
}

// ringFactory is a factory whose cluster runs the pod ingester-zone-a-0
// and whose pods answer with pages.
func ringFactory(t *testing.T, c *testCLI, pages *ringfake.Pages, stdin string, out, errOut io.Writer) *Factory {
	t.Helper()
	if err := c.kube.Tracker().Add(ringfake.RunningPod("mimir", "ingester-zone-a-0", "ingester-zone-a")); err != nil {
		t.Fatal(err)
	}
	f := c.factory(stdin, out, errOut)
	f.SetPods(pages)
	return f
}

func TestRunRingPrintsTheRingByZone(t *testing.T) {
	c := newTestCLI(t)
	var out, errOut bytes.Buffer
	f := ringFactory(t, c, ringPages(c), "", &out, &errOut)
	if err := runRing(context.Background(), &RingOptions{Factory: f, Name: "ingester"}); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "ring-ingester.golden", out.Bytes())

	out.Reset()
	f.Output = "json"
	if err := runRing(context.Background(), &RingOptions{Factory: f, Name: "ingester"}); err != nil {
		t.Fatal(err)
	}
	var ring struct {
		Now       time.Time `json:"now"`
		Instances []struct {
			ID     string `json:"id"`
			State  string `json:"state"`
			Tokens int    `json:"tokens"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(out.Bytes(), &ring); err != nil || len(ring.Instances) != 3 || ring.Instances[1].State != "LEAVING" || ring.Instances[1].Tokens != 512 || !ring.Now.Equal(c.clock.Now()) {
		t.Errorf("-o json (%v):\n%s", err, out.String())
	}
	if errOut.Len() > 0 {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}

func TestRunRingForgetsOnlyWhenConfirmed(t *testing.T) {
	forget := func(t *testing.T, stdin string, tty, yes bool) (*ringfake.Pages, string, error) {
		t.Helper()
		c := newTestCLI(t)
		pages := ringPages(c)
		var out, errOut bytes.Buffer
		f := ringFactory(t, c, pages, stdin, &out, &errOut)
		f.IO.InTTY = tty
		err := runRing(context.Background(), &RingOptions{Factory: f, Name: "ingester", Forget: "ingester-zone-c-0", Yes: yes})
		if out.Len() > 0 {
			t.Errorf("--forget printed on stdout:\n%s", out.String())
		}
		return pages, errOut.String(), err
	}
	t.Run("not on a terminal, without --yes", func(t *testing.T) {
		pages, _, err := forget(t, "", false, false)
		var flagErr *FlagError
		if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "forgetting ingester-zone-c-0 from the ingester ring needs --yes when not on a terminal") {
			t.Errorf("error %v, want a *FlagError", err)
		}
		if len(pages.Forgotten()) > 0 {
			t.Errorf("forgot %v", pages.Forgotten())
		}
	})
	t.Run("on a terminal, answered no", func(t *testing.T) {
		pages, errOut, err := forget(t, "y\n", true, false)
		if err == nil || err.Error() != "not confirmed: ingester-zone-c-0 stays in the ring" || len(pages.Forgotten()) > 0 {
			t.Errorf("error %v, forgot %v", err, pages.Forgotten())
		}
		if !strings.Contains(errOut, "Forget ingester-zone-c-0 from the ingester ring (read from ingester-zone-a-0)?\nType yes to proceed: ") {
			t.Errorf("no question on stderr:\n%s", errOut)
		}
	})
	t.Run("on a terminal, answered yes", func(t *testing.T) {
		pages, errOut, err := forget(t, "yes\n", true, false)
		if err != nil || strings.Join(pages.Forgotten(), ",") != "ingester-zone-c-0" {
			t.Fatalf("error %v, forgot %v", err, pages.Forgotten())
		}
		if !strings.HasSuffix(errOut, "forgot ingester-zone-c-0 (was ingester-zone-c-0 (zone-c): UNHEALTHY, heartbeat 10m0s ago); gone from the page: true\n") {
			t.Errorf("stderr:\n%s", errOut)
		}
	})
	t.Run("with --yes", func(t *testing.T) {
		pages, errOut, err := forget(t, "", false, true)
		if err != nil || strings.Join(pages.Forgotten(), ",") != "ingester-zone-c-0" || strings.Contains(errOut, "Type yes") {
			t.Errorf("error %v, forgot %v, stderr:\n%s", err, pages.Forgotten(), errOut)
		}
	})
}

// TestRunCompareSaysWhetherAPairDiffers compares the live workloads, then
// a rendered environment where no pair exists (nothing compared: exit 1).
func TestRunCompareSaysWhetherAPairDiffers(t *testing.T) {
	c := newTestCLI(t)
	deployment := func(name string, replicas int32) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "mimir"}, Spec: appsv1.DeploymentSpec{Replicas: &replicas}}
	}
	api, err := kubefake.New(deployment("querier", 2), deployment("mimir-read", 3))
	if err != nil {
		t.Fatal(err)
	}
	c.api = api
	var out, errOut bytes.Buffer
	f := c.factory("", &out, &errOut)
	if err := runCompare(context.Background(), &CompareOptions{Factory: f}); !errors.Is(err, ErrChangesPending) {
		t.Fatalf("error %v, want ErrChangesPending", err)
	}
	if !strings.Contains(out.String(), "Deployment/querier vs Deployment/mimir-read: 1 differences in .spec") ||
		!strings.Contains(out.String(), "Deployment/distributor vs StatefulSet/mimir-write-zone-a: not compared, missing [Deployment/distributor StatefulSet/mimir-write-zone-a]") {
		t.Errorf("stdout:\n%s", out.String())
	}

	// Nothing compared is an error (exit 1), not "no difference" (exit 0),
	// and the report still says what is missing.
	out.Reset()
	f.Output = "json"
	env := tankaEnv(t)
	err = runCompare(context.Background(), &CompareOptions{Factory: f, Env: env})
	if err == nil || ExitCode(err) != ExitError || !strings.Contains(err.Error(), "compared no pair") || !strings.Contains(err.Error(), "environment "+env) {
		t.Fatalf("a rendered environment without any pair: error %v (exit %d)", err, ExitCode(err))
	}
	var report struct {
		Results []struct {
			Missing []string `json:"missing"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &report); err != nil || len(report.Results) != len(diff.DefaultPairs()) || len(report.Results[0].Missing) != 2 {
		t.Errorf("-o json (%v):\n%s", err, out.String())
	}
}

func TestRunInitAddsTheImportOnce(t *testing.T) {
	c := newTestCLI(t)
	env := tankaEnv(t)
	main := filepath.Join(env, "main.jsonnet")
	overlay := filepath.Join(env, tanka.OverlayFile)
	if err := os.WriteFile(main, []byte("import 'app.libsonnet'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(overlay); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	f := c.factory("", &out, &errOut)
	if err := runInit(context.Background(), &InitOptions{Factory: f, Env: env}); err != nil {
		t.Fatal(err)
	}
	if got, want := errOut.String(), main+" now imports "+overlay+" (renders the same objects); commit both files\n"; got != want || out.Len() > 0 {
		t.Errorf("first init: stderr %q, want %q; stdout %q", got, want, out.String())
	}

	errOut.Reset()
	f.Output = "json"
	if err := runInit(context.Background(), &InitOptions{Factory: f, Env: env}); err != nil {
		t.Fatal(err)
	}
	var res tanka.InitResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Changed || res.Main != main || res.Overlay != overlay || errOut.Len() > 0 {
		t.Errorf("second init -o json (%v): %+v\nstdout:\n%s\nstderr:\n%s", err, res, out.String(), errOut.String())
	}

	if err := os.WriteFile(main, []byte("[]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var refused *tanka.InitRefusedError
	if err := runInit(context.Background(), &InitOptions{Factory: f, Env: env}); !errors.As(err, &refused) {
		t.Errorf("an environment that is not an object: error %v, want *tanka.InitRefusedError", err)
	}
}
