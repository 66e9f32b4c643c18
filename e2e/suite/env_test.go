//go:build e2e

package suite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/scenario"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// deployGrafanaEnv deploys the environment on Grafana's Mimir library of
// module m in namespace ns with extra jsonnet merged into it (see
// scenario.DeployGrafana) and removes the namespace, and the cluster-scoped
// objects the deploy applied, when the test ends (scenario.Env.Drop).
func deployGrafanaEnv(t *testing.T, m grafanalib.Module, ns, extra string) *scenario.Env {
	t.Helper()
	return deployGrafanaEnvIn(t, t.TempDir(), m, ns, extra)
}

// deployGrafanaEnvIn is deployGrafanaEnv with the Tanka project written
// under workDir.
func deployGrafanaEnvIn(t *testing.T, workDir string, m grafanalib.Module, ns, extra string) *scenario.Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if harness.rolloutOperatorImage {
		extra = withRolloutOperator(t, ns, extra)
	}
	e, err := scenario.DeployGrafana(ctx, harness.clients, workDir, m, ns, extra)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Grafana's Mimir %s library environment ready in namespace %s after %s (%d objects)", m.Name, ns, e.Took.Round(time.Second), e.Objects)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := e.Drop(ctx, harness.clients); err != nil {
			t.Log(err)
		}
	})
	return e
}

func dropNamespace(t *testing.T, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := scenario.DropNamespace(ctx, harness.clients, ns); err != nil {
		t.Log(err)
	}
}

func gateways(t *testing.T, ns string, selectors map[string]map[string]string) {
	t.Helper()
	if err := scenario.Gateways(context.Background(), harness.clients, ns, selectors); err != nil {
		t.Fatal(err)
	}
}

// assertConverged checks that the diff of the environment (`mimirctl diff
// --env DIR`, through the library) is empty after a finished apply: what
// apply would send, with the labels it adds, is what the cluster runs.
func assertConverged(t *testing.T, ns string, e *scenario.Env) {
	t.Helper()
	d, err := mimirctl.Diff(context.Background(), target(ns), mimirctl.DiffOptions{Env: e.Dir, ApplyMode: mimirctl.DefaultApplyMode})
	if err != nil {
		t.Errorf("diff after the apply: %v", err)
		return
	}
	if d.Report.Empty() {
		return
	}
	var out strings.Builder
	if err := d.Report.WriteHuman(&out, diff.ColorNever); err != nil {
		t.Errorf("render the diff: %v", err)
	}
	t.Errorf("diff after the apply: changes pending, want none (converged)\n%s", tail(out.String(), 40))
}
