package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// tankaEnv copies testdata/tanka (a Tanka project whose environment imports
// mimirctl.libsonnet), writes the empty overlay file as `mimirctl init`
// does, and returns the environment's directory.
func tankaEnv(t *testing.T) string {
	t.Helper()
	env := filepath.Join(testkit.CopyTree(t, "testdata/tanka"), "environments", "mimir")
	if err := tanka.WriteOverlay(env, &tanka.Overlay{}); err != nil {
		t.Fatal(err)
	}
	return env
}

// applyJsonnetStep runs one jsonnet action the way `apply` does, against api.
func applyJsonnetStep(t *testing.T, api *kubefake.Server, env, step string) {
	t.Helper()
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(step)}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: engine.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	b := engine.NewBinder(engine.Deps{Dynamic: api.Dynamic(), Mapper: api.Mapper(), Namespace: "mimir", Options: engine.Options{Env: env}})
	a, err := b.BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(context.Background(), &testkit.Progress{}); err != nil {
		t.Fatal(err)
	}
}

func TestDiffComparesWhatApplySendsSoAnAppliedEnvironmentDiffsEmpty(t *testing.T) {
	c := newTestCLI(t)
	api, err := kubefake.New()
	if err != nil {
		t.Fatal(err)
	}
	c.api = api
	env := tankaEnv(t)
	out, errOut, code := c.run("", "diff", "--env", env)
	if code != ExitChanges || !strings.Contains(out, "Deployment mimir/querier") {
		t.Fatalf("before any apply: exit %d, want %d\n%s%s", code, ExitChanges, out, errOut)
	}
	applyJsonnetStep(t, api, env, "id: a\ntitle: A\nactions:\n  - jsonnet: {config: {write_replicas: 3}, noRollout: true}\n")
	out, errOut, code = c.run("", "diff", "--env", env)
	if code != ExitOK || strings.TrimSpace(out) != "no differences" {
		t.Fatalf("right after the apply: exit %d, want %d (a converged environment diffs empty)\n%s%s", code, ExitOK, out, errOut)
	}
}
