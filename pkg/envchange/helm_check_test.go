package envchange

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
)

// A helmValues step that only removes a value an earlier step sets (with
// another it keeps) is not done in a values file that never had them:
// Check asks the plan's trail (ValuesTrail), as the run's placement does,
// before it asks the cluster.
// The action gets no cluster clients: a Check that got past the file would
// reach for them and fail.
func TestAHelmRemovalIsNotDoneBeforeTheChangeItUndoes(t *testing.T) {
	p := loadHelmPlan(t, map[string]string{
		"a": "helmValues: {set: {ingester: {replicas: 1}, store_gateway: {replicas: 1}}, noRollout: true}",
		"b": "helmValues: {remove: [ingester.replicas], noRollout: true}",
	})
	dir := t.TempDir()
	env := &HelmEnvironment{
		Env:  &helmenv.Environment{Chart: filepath.Join(dir, "no-chart"), Release: "mimir", Namespace: "mimir", ValuesFiles: []string{filepath.Join(dir, "values.yaml")}},
		Caps: &helmenv.Capabilities{},
	}
	check := func(i int) (bool, string) {
		t.Helper()
		a, err := NewHelm(p.Steps[i].Actions[0].Spec.(*HelmValuesSpec), p, p.Steps[i], Deps{Helm: env})
		if err != nil {
			t.Fatal(err)
		}
		done, detail, err := a.Check(context.Background())
		if err != nil {
			t.Fatalf("step %s: %v", p.Steps[i].ID, err)
		}
		return done, detail
	}
	if done, detail := check(1); done || !strings.Contains(detail, "does not hold") {
		t.Errorf("step b, no values file: done %v (%s), want pending: the file does not hold this change", done, detail)
	}
	if err := os.WriteFile(env.OverlayPath(), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if done, detail := check(1); done || !strings.Contains(detail, "does not hold") {
		t.Errorf("step b, empty values file: done %v (%s), want pending", done, detail)
	}
	if err := os.WriteFile(env.OverlayPath(), []byte("ingester: {replicas: 1}\nstore_gateway: {replicas: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if done, detail := check(1); done || !strings.Contains(detail, "does not hold") {
		t.Errorf("step b, after step a: done %v (%s), want pending", done, detail)
	}
}
