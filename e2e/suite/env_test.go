//go:build e2e

package suite

import (
	"context"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/scenario"
)

// deployEnv deploys a test environment in namespace ns (see scenario.Deploy)
// and removes the namespace when the test ends.
func deployEnv(t *testing.T, name, ns, extra string) *scenario.Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	e, err := scenario.Deploy(ctx, harness.clients, t.TempDir(), name, ns, extra)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("environment %s ready in namespace %s after %s (%d objects)", name, ns, e.Took.Round(time.Second), e.Objects)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := scenario.DropNamespace(ctx, harness.clients, ns); err != nil {
			t.Log(err)
		}
	})
	return e
}

func gateways(t *testing.T, ns string, selectors map[string]string) {
	t.Helper()
	if err := scenario.Gateways(context.Background(), harness.clients, ns, selectors); err != nil {
		t.Fatal(err)
	}
}

// assertConverged checks that `mimirctl diff` of the environment is empty
// (exit 0) after a finished apply: what apply would send, with the labels it
// adds, is what the cluster runs.
func assertConverged(t *testing.T, ns string, e *scenario.Env) {
	t.Helper()
	if r := mimirctl(t, ns, "diff", "--env", e.Dir); r.code != 0 {
		t.Errorf("diff after the apply: exit %d, want 0 (converged)\n%s", r.code, tail(r.stdout, 40))
	}
}
