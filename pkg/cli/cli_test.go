package cli

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"
)

func TestPlansListAndShow(t *testing.T) {
	c := newTestCLI(t)
	out, errOut, code := c.run("", "plans", "list")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden.Assert(t, "plans-list.golden", []byte(out))
	out, _, code = c.run("", "plans", "show", "demo", "-p", "replicas=5")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	golden.Assert(t, "plans-show-demo.golden", []byte(out))
	out, _, _ = c.run("", "plans", "show", "demo", "-o", "json")
	var p struct {
		Name  string
		Steps []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Name != "demo" || len(p.Steps) != 3 {
		t.Errorf("json = %v %+v", err, p)
	}
}

func TestUnknownPlanSuggestsTheClosest(t *testing.T) {
	_, errOut, code := newTestCLI(t).run("", "plans", "show", "dem")
	if code != ExitError || !strings.Contains(errOut, `no built-in plan "dem" (did you mean "demo"?)`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestARunPausesForApprovalNeedsYesAndFinishes(t *testing.T) {
	c := newTestCLI(t)
	_, errOut, code := c.run("", "apply", "demo")
	if code != ExitPaused || !strings.Contains(errOut, "mimirctl approve 2-route") {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	out, _, _ := c.run("", "status")
	for _, want := range []string{"of plan demo: paused", "1-set", "done", "2-route", "awaiting-approval"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if _, errOut, code = c.run("", "approve", "2-route", "--as", "alice", "-m", "LB switched"); code != ExitOK {
		t.Fatalf("approve: exit %d %s", code, errOut)
	}
	// Not on a terminal: the destructive step needs --yes; nothing changes.
	if _, errOut, code = c.run("", "resume"); code != ExitError || !strings.Contains(errOut, "--yes") || c.world.Values["old"] != "" {
		t.Fatalf("resume without --yes: exit %d %s", code, errOut)
	}
	out, errOut, code = c.run("", "resume", "--yes", "-o", "json")
	if code != ExitOK {
		t.Fatalf("resume: exit %d %s", code, errOut)
	}
	if c.world.Values["old"] != "0" || c.world.Values["replicas"] != "3" {
		t.Errorf("world = %v", c.world.Values)
	}
	var last map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	lines := 0
	for sc.Scan() {
		lines++
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("event line %q: %v", sc.Text(), err)
		}
		if last["v"] != float64(1) {
			t.Errorf("event without schema version: %s", sc.Text())
		}
	}
	if lines < 5 || last["type"] != "run_finished" || last["status"] != "done" {
		t.Errorf("%d events, last %v", lines, last)
	}
	out, _, _ = c.run("", "status", "-o", "json")
	if !strings.Contains(out, `"by": "alice"`) || !strings.Contains(out, `"comment": "LB switched"`) {
		t.Errorf("approval not recorded:\n%s", out)
	}
}

func TestPlanShowsRemainingStepsAndExitsTwoWithDetailedExitcode(t *testing.T) {
	c := newTestCLI(t)
	out, errOut, code := c.run("", "plan", "demo", "--detailed-exitcode")
	if code != ExitChanges {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden.Assert(t, "plan-demo.golden", []byte(out))
	c.world.Values["replicas"], c.world.Values["old"] = "3", "0"
	out, _, code = c.run("", "plan", "demo", "--detailed-exitcode", "-o", "json")
	var pv struct{ Remaining int }
	if err := json.Unmarshal([]byte(out), &pv); err != nil || code != ExitOK || pv.Remaining != 0 {
		t.Errorf("all done: exit %d remaining %d (%v)\n%s", code, pv.Remaining, err, out)
	}
}

func TestAWindowTooShortStopsResumably(t *testing.T) {
	c := newTestCLI(t)
	c.world.Values["replicas"] = "3"
	if _, _, code := c.run("", "apply", "demo"); code != ExitPaused {
		t.Fatal("want paused")
	}
	c.run("", "approve", "2-route")
	_, errOut, code := c.run("", "resume", "--yes", "--window", "30s")
	if code != ExitWindowClosed || !strings.Contains(errOut, "step 3-shutdown needs at least 1m0s") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if c.world.Values["old"] != "" {
		t.Error("the step started although it did not fit")
	}
}

func TestFlagMistakesAreReported(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"unknown output":     {[]string{"plans", "list", "-o", "yaml"}, `-o "yaml": want text or json`},
		"bad --until":        {[]string{"apply", "demo", "--until", "soon"}, `--until "soon": write a time like 06:00`},
		"bad --param":        {[]string{"apply", "demo", "-p", "replicas"}, `--param "replicas": write it as name=value`},
		"unknown parameter":  {[]string{"apply", "demo", "-p", "replica=2"}, `unknown parameter "replica" (did you mean "replicas"?)`},
		"bad apply mode":     {[]string{"plan", "demo", "--apply-mode", "gitops"}, `--apply-mode "gitops": want direct or external`},
		"resume with params": {[]string{"resume", "-p", "replicas=2"}, "resume takes the run's recorded parameters"},
		"nothing to resume":  {[]string{"resume"}, "no run to resume here"},
		"approve no run":     {[]string{"approve", "x"}, "no unfinished run"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := newTestCLI(t).run("", tc.args...)
			if code != ExitError || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant %q", code, errOut, tc.want)
			}
		})
	}
}

func TestAbortListsUndoHintsNewestFirst(t *testing.T) {
	c := newTestCLI(t)
	c.run("", "apply", "demo")
	out, errOut, code := c.run("", "abort", "--reason", "rolling back")
	if code != ExitOK || !strings.Contains(out, "1-set (done): set them back") || !strings.Contains(errOut, "nothing was changed in the cluster") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestARunRecordsItsOptionsForResume(t *testing.T) {
	c := newTestCLI(t)
	c.run("", "apply", "demo", "--env", "relative/env", "--prometheus-url", "http://prom:9090")
	out, _, _ := c.run("", "status", "-o", "json")
	abs, _ := filepath.Abs("relative/env")
	for _, want := range []string{`"env": "` + abs + `"`, `"prometheus-url": "http://prom:9090"`, `"apply-mode": "direct"`} {
		if !strings.Contains(out, want) {
			t.Errorf("state lacks %s:\n%s", want, out)
		}
	}
}
