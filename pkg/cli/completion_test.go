package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// complete runs cobra's hidden __complete command, as the shell scripts
// `mimirctl completion bash|zsh|fish` do, and returns the offered words
// (descriptions cut off) and the directive line.
func (c *testCLI) complete(args ...string) ([]string, string) {
	c.t.Helper()
	out, errOut, code := c.run("", append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != ExitOK {
		c.t.Fatalf("__complete %v: exit %d: %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	directive := lines[len(lines)-1]
	var words []string
	for _, l := range lines[:len(lines)-1] {
		w, _, _ := strings.Cut(l, "\t")
		words = append(words, w)
	}
	return words, directive
}

func directiveLine(d cobra.ShellCompDirective) string { return ":" + strconv.Itoa(int(d)) }

func TestCompletion(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- {name: prod, cluster: {server: "https://prod.invalid"}}
- {name: dev, cluster: {server: "https://dev.invalid"}}
contexts:
- {name: prod-eu, context: {cluster: prod, user: me}}
- {name: prod-us, context: {cluster: prod, user: me}}
- {name: dev, context: {cluster: dev, user: me}}
users:
- {name: me, user: {token: t}}
current-context: dev
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	planDir := filepath.Join(t.TempDir(), "myplans")
	if err := os.MkdirAll(filepath.Join(planDir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	noFiles := directiveLine(cobra.ShellCompDirectiveNoFileComp)
	tests := []struct {
		behaviour string
		args      []string
		want      string
		directive string
	}{
		{"plan names for plan", []string{"plan", ""}, "demo", noFiles},
		{"plan names for apply, by prefix", []string{"apply", "de"}, "demo", noFiles},
		{"no plan matches the prefix", []string{"apply", "x"}, "", noFiles},
		{"plan names for plans show", []string{"plans", "show", ""}, "demo", noFiles},
		{"a path completes directories", []string{"plan", planDir + "/"}, "", directiveLine(cobra.ShellCompDirectiveFilterDirs)},
		{"only one plan argument", []string{"plan", "demo", ""}, "", noFiles},
		{"plan parameters as name=", []string{"plan", "demo", "-p", ""}, "replicas=", directiveLine(cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace)},
		{"ring names", []string{"ring", "ingest"}, "ingester", noFiles},
		{"contexts of the kubeconfig", []string{"--kubeconfig", kubeconfig, "plan", "demo", "--context", "prod"}, "prod-eu,prod-us", noFiles},
		{"namespaces of the cluster", []string{"status", "-n", ""}, "kube-system,mimir", noFiles},
		{"output formats", []string{"status", "-o", ""}, "text,json", noFiles},
		{"apply modes", []string{"apply", "demo", "--apply-mode", ""}, "direct,external", noFiles},
		{"no run: nothing to approve", []string{"approve", ""}, "", noFiles},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			words, directive := newTestCLI(t).complete(tt.args...)
			if got := strings.Join(words, ","); got != tt.want || directive != tt.directive {
				t.Errorf("got %q %s, want %q %s", got, directive, tt.want, tt.directive)
			}
		})
	}
}

func TestCompletionOfApproveOffersTheRunsManualSteps(t *testing.T) {
	c := newTestCLI(t)
	if _, errOut, code := c.run("", "apply", "demo"); code != ExitPaused {
		t.Fatalf("apply: exit %d %s", code, errOut)
	}
	out, _, _ := c.run("", cobra.ShellCompRequestCmd, "approve", "")
	words, directive := c.complete("approve", "")
	if strings.Join(words, ",") != "2-route" || directive != directiveLine(cobra.ShellCompDirectiveNoFileComp) {
		t.Errorf("got %q %s, want the paused manual step only", words, directive)
	}
	if !strings.Contains(out, "2-route\t") || !strings.Contains(out, "(awaiting-approval)") {
		t.Errorf("no description with the title and status:\n%s", out)
	}
	if words, _ := c.complete("approve", "1"); len(words) != 0 {
		t.Errorf("a done step is offered: %q", words)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out, errOut, code := newTestCLI(t).run("", "completion", shell)
		if code != ExitOK || !strings.Contains(out, cobra.ShellCompRequestCmd) {
			t.Errorf("%s: exit %d %s\n%.200s", shell, code, errOut, out)
		}
	}
}

func TestTheKubectlPluginIsNamedAsTypedAndCompletesTheSame(t *testing.T) {
	c := newTestCLI(t)
	c.displayName = "kubectl mimir"
	out, _, code := c.run("", "plan", "--help")
	if code != ExitOK || !strings.Contains(out, "kubectl mimir plan PLAN [flags]") {
		t.Errorf("exit %d, usage:\n%s", code, out)
	}
	for _, flag := range []string{"--kubeconfig", "--context", "--cluster", "--user", "--namespace"} {
		if !strings.Contains(out, flag+" ") {
			t.Errorf("the plugin lacks kubectl's %s flag", flag)
		}
	}
	if words, _ := c.complete("plan", ""); strings.Join(words, ",") != "demo" {
		t.Errorf("plugin completes plans as %q", words)
	}
	if words, _ := c.complete("ring", "store"); strings.Join(words, ",") != "store-gateway" {
		t.Errorf("plugin completes rings as %q", words)
	}
}
