package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ownPlan writes a plan of one's own named myplan (not a built-in plan) under
// dir: a step that sets replicas, a manual step, and a destructive one.
func ownPlan(t *testing.T, dir string) string {
	t.Helper()
	steps, err := os.ReadFile("testdata/plans/demo/steps/01.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "myplan")
	if err := os.MkdirAll(filepath.Join(root, "steps"), 0o755); err != nil {
		t.Fatal(err)
	}
	meta := "name: myplan\nparameters:\n  - {name: replicas, type: int, default: 3}\n"
	for file, data := range map[string][]byte{"plan.yaml": []byte(meta), "steps/01.yaml": steps} {
		if err := os.WriteFile(filepath.Join(root, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// pausedOwnPlan applies ./myplan from its parent directory until the manual
// step, approves it and moves to another directory: what follows is a
// `resume` from elsewhere.
func pausedOwnPlan(t *testing.T, c *testCLI) string {
	t.Helper()
	parent := t.TempDir()
	root := ownPlan(t, parent)
	t.Chdir(parent)
	if _, errOut, code := c.run("", "apply", "./myplan"); code != ExitPaused {
		t.Fatalf("apply ./myplan: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := c.run("", "approve", "2-route"); code != ExitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	t.Chdir(t.TempDir())
	return root
}

func TestResumeContinuesAPlanLoadedFromAPath(t *testing.T) {
	c := newTestCLI(t)
	root := pausedOwnPlan(t, c)
	out, _, _ := c.run("", "status", "-o", "json")
	if !strings.Contains(out, `"planSource": "`+root+`"`) {
		t.Errorf("the state does not record where the plan came from:\n%s", out)
	}
	if _, errOut, code := c.run("", "resume", "--yes"); code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, errOut)
	}
	if c.world.Values["old"] != "0" {
		t.Errorf("world = %v", c.world.Values)
	}
}

func TestResumeRefusesAPlanThatMovedOrChanged(t *testing.T) {
	t.Run("moved", func(t *testing.T) {
		c := newTestCLI(t)
		root := pausedOwnPlan(t, c)
		if err := os.Rename(root, root+"-moved"); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := c.run("", "resume", "--yes")
		if code != ExitError || !strings.Contains(errOut, root) || !strings.Contains(errOut, "moved or deleted") {
			t.Fatalf("exit %d, want %d naming %s as moved or deleted:\n%s", code, ExitError, root, errOut)
		}
	})
	t.Run("changed", func(t *testing.T) {
		c := newTestCLI(t)
		root := pausedOwnPlan(t, c)
		step := filepath.Join(root, "steps", "01.yaml")
		b, err := os.ReadFile(step)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(step, []byte(strings.Replace(string(b), "let it settle", "let it rest", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := c.run("", "resume", "--yes")
		if code != ExitError || !strings.Contains(errOut, "plan myplan changed since run") || !strings.Contains(errOut, "--allow-plan-change") {
			t.Fatalf("exit %d, want %d with the changed digest:\n%s", code, ExitError, errOut)
		}
		if _, errOut, code = c.run("", "resume", "--yes", "--allow-plan-change"); code != ExitOK {
			t.Fatalf("resume --allow-plan-change: exit %d\n%s", code, errOut)
		}
	})
}

func TestAbortOfAPlanLoadedFromAPathListsItsUndoHints(t *testing.T) {
	c := newTestCLI(t)
	pausedOwnPlan(t, c)
	out, errOut, code := c.run("", "abort", "--reason", "rolling back")
	if code != ExitOK || !strings.Contains(out, "1-set (done): set them back") || strings.Contains(errOut, "cannot load plan") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}
