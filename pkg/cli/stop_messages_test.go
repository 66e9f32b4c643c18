package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStopMessagesArePrintedOnce: a run that stops (paused, out of window,
// interrupted, a gate failed) says why once on stderr, not once as an event
// and again as the command's error.
func TestStopMessagesArePrintedOnce(t *testing.T) {
	tests := []struct {
		stop string
		run  func(t *testing.T, c *testCLI) (string, int)
		want string
		code int
	}{
		{"paused at a manual step", func(_ *testing.T, c *testCLI) (string, int) {
			_, errOut, code := c.run("", "apply", "demo")
			return errOut, code
		}, "waits for a person", ExitPaused},
		{"out of the maintenance window", func(_ *testing.T, c *testCLI) (string, int) {
			c.world.Values["replicas"] = "3"
			c.run("", "apply", "demo")
			c.run("", "approve", "2-route")
			_, errOut, code := c.run("", "resume", "--yes", "--window", "30s")
			return errOut, code
		}, "needs at least 1m0s", ExitWindowClosed},
		{"interrupted", func(_ *testing.T, c *testCLI) (string, int) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c.world.OnApply = func(string) { cancel() }
			_, errOut, code := c.runContext(ctx, "", "apply", "demo")
			return errOut, code
		}, "run `mimirctl resume` to continue", ExitInterrupted},
		{"a gate failed", func(t *testing.T, c *testCLI) (string, int) {
			_, errOut, code := c.run("", "apply", failingGatePlan(t))
			return errOut, code
		}, "did not pass before its timeout", ExitGateFailed},
	}
	for _, tt := range tests {
		t.Run(tt.stop, func(t *testing.T) {
			errOut, code := tt.run(t, newTestCLI(t))
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, errOut)
			}
			if n := strings.Count(errOut, tt.want); n != 1 {
				t.Errorf("%q printed %d times:\n%s", tt.want, n, errOut)
			}
		})
	}
}

// failingGatePlan writes a plan whose gate never passes within its timeout.
func failingGatePlan(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "failing")
	files := map[string]string{
		"plan.yaml":     "name: failing\n",
		"steps/01.yaml": "id: a\ntitle: A\ngates:\n  - check: {key: never, equals: \"yes\"}\n    interval: 1s\n    timeout: 3s\n",
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
