package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

func TestRenderPrintsTheEnvironmentWithAndWithoutTheOverlay(t *testing.T) {
	c := newTestCLI(t)
	env := tankaEnv(t)
	if err := tanka.WriteOverlay(env, &tanka.Overlay{Config: map[string]any{"deployment_mode": "read-write", "write_replicas": 3}}); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := c.run("", "render", "--env", env)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	docs := strings.Split(out, "---\n")
	if len(docs) != 1 || !strings.Contains(out, "name: mimir-write") || !strings.Contains(out, "replicas: 3") || strings.Contains(out, "name: querier") {
		t.Fatalf("with the overlay on disk, want only mimir-write with 3 replicas:\n%s", out)
	}
	if strings.Contains(out, "app.kubernetes.io/managed-by") {
		t.Fatalf("render without --as-applied must print what the environment renders, not apply's labels:\n%s", out)
	}

	out, errOut, code = c.run("", "render", "--env", env, "--without-overlay")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if docs := strings.Split(out, "---\n"); len(docs) != 2 || !strings.Contains(docs[0], "name: mimir-write") || !strings.Contains(docs[0], "replicas: 0") || !strings.Contains(docs[1], "name: querier") {
		t.Fatalf("without the overlay, want mimir-write with 0 replicas then querier (Tanka's order):\n%s", out)
	}

	out, errOut, code = c.run("", "render", "--env", env, "--as-applied", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var objs []map[string]any
	if err := json.Unmarshal([]byte(out), &objs); err != nil || len(objs) != 1 {
		t.Fatalf("-o json: want a JSON array of 1 object (%v):\n%s", err, out)
	}
	labels, _ := objs[0]["metadata"].(map[string]any)["labels"].(map[string]any)
	if labels["app.kubernetes.io/managed-by"] == nil || labels["mimirctl.dev/environment"] == nil {
		t.Fatalf("--as-applied: want apply's ownership labels, got %v", labels)
	}

	if _, errOut, code = c.run("", "render"); code == ExitOK || !strings.Contains(errOut, "--env") {
		t.Fatalf("render without --env: exit %d, %s", code, errOut)
	}
}

// TestRenderPrintsAHelmReleaseWithAndWithoutTheOverlay renders
// pkg/helmenv's test chart through the command line: the release's
// objects with the user's values files, the overlay values file beside the
// last one merged last, and without it on --without-overlay; hooks are not
// printed.
func TestRenderPrintsAHelmReleaseWithAndWithoutTheOverlay(t *testing.T) {
	c := newTestCLI(t)
	dir := t.TempDir()
	user := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(user, []byte("ingester:\n  replicas: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, helmenv.OverlayFile), []byte("memberlist:\n  clusterLabel: mimir-prod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	chart := filepath.Join("..", "helmenv", "testdata", "tiny")
	out, errOut, code := c.run("", "render", "--chart", chart, "--release", "mimir", "-n", "mimir-prod", "-f", user)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if n := strings.Count(out, "kind: StatefulSet"); n != 3 || !strings.Contains(out, "namespace: mimir-prod") || !strings.Contains(out, "replicas: 2") || !strings.Contains(out, "-memberlist.cluster-label=mimir-prod") || strings.Contains(out, "smoke-test") {
		t.Fatalf("want the 3 zones in mimir-prod with the user's replicas and the overlay's label, no hook:\n%s", out)
	}
	out, errOut, code = c.run("", "render", "--chart", chart, "--release", "mimir", "-n", "mimir-prod", "-f", user, "--without-overlay")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if strings.Contains(out, "cluster-label") || !strings.Contains(out, "replicas: 2") {
		t.Fatalf("--without-overlay: want the user's values alone:\n%s", out)
	}
	if _, errOut, code = c.run("", "render", "--chart", chart, "--release", "mimir", "-f", filepath.Join(dir, "absent.yaml")); code == ExitOK || !strings.Contains(errOut, "absent.yaml") {
		t.Fatalf("a values file that does not exist: exit %d, %s", code, errOut)
	}
}
