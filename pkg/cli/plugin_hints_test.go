package cli

import (
	"context"
	"strings"
	"testing"
)

// TestTheKubectlPluginsHintsNameKubectlMimir: run as the kubectl plugin,
// the commands a message tells the user to type are spelled `kubectl mimir
// ...`, in the run's stop messages (from pkg/plan), approve's message,
// refusals and help; the mimirctl binary's stay `mimirctl ...` (the golden
// files hold those).
func TestTheKubectlPluginsHintsNameKubectlMimir(t *testing.T) {
	t.Cleanup(func() { newTestCLI(t).run("", "version") }) // the name is the process's: back to mimirctl

	c := newTestCLI(t)
	c.displayName = "kubectl mimir"
	c.world.Values["replicas"] = "3"
	_, errOut, code := c.run("", "apply", "demo")
	if code != ExitPaused || !strings.Contains(errOut, "run `kubectl mimir approve 2-route`, then `kubectl mimir resume`") {
		t.Errorf("paused: exit %d\n%s", code, errOut)
	}
	_, errOut, code = c.run("", "approve", "2-route")
	if code != ExitOK || !strings.Contains(errOut, "run `kubectl mimir resume` to continue") {
		t.Errorf("approve: exit %d\n%s", code, errOut)
	}
	_, errOut, code = c.run("", "resume", "--param", "x=1")
	if code == ExitOK || !strings.Contains(errOut, "use `kubectl mimir apply PLAN --param ... --allow-plan-change`") {
		t.Errorf("resume with parameters: exit %d\n%s", code, errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.world.OnApply = func(string) { cancel() }
	_, errOut, code = c.runContext(ctx, "", "resume", "--yes")
	if code != ExitInterrupted || !strings.Contains(errOut, "run `kubectl mimir resume` to continue") {
		t.Errorf("interrupted: exit %d\n%s", code, errOut)
	}
	out, _, _ := c.run("", "apply", "--help")
	if !strings.Contains(out, "so that 'kubectl mimir resume' continues") || !strings.Contains(out, "(kubectl mimir status shows it)") {
		t.Errorf("apply --help:\n%s", out)
	}
	shown, _, _ := c.run("", "plans", "show", "demo")
	if !strings.Contains(shown, "Step 2 pauses until `kubectl mimir approve 2-route`; what mimirctl applied stays.") {
		t.Errorf("a plan's note is not spelled for the plugin (or its prose is):\n%s", shown)
	}
	if data, _, _ := c.run("", "plans", "show", "demo", "-o", "json"); !strings.Contains(data, "`mimirctl approve 2-route`") {
		t.Errorf("plans show -o json changed the plan's text:\n%s", data)
	}
	_, errOut, _ = c.run("", "plan", "demo", "--until", "tomorrow")
	if !strings.HasPrefix(errOut, "kubectl mimir: ") {
		t.Errorf("an error is not prefixed with the plugin's name:\n%s", errOut)
	}
	for _, s := range []string{errOut, out} {
		if strings.Contains(s, "mimirctl resume") || strings.Contains(s, "mimirctl status") {
			t.Errorf("a mimirctl command is named to the plugin's user:\n%s", s)
		}
	}

	// The mimirctl binary in the same process names itself again.
	plain := newTestCLI(t)
	out, _, _ = plain.run("", "apply", "--help")
	if !strings.Contains(out, "so that 'mimirctl resume' continues") {
		t.Errorf("mimirctl apply --help after the plugin:\n%s", out)
	}
}
