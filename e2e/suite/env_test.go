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
