package envchange

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

const case12 = "testdata/case12-tanka-env-label-collision"

// case12Foreign are the objects repo-alerting's `tk apply` left in the
// namespace (live-objects.yaml).
var case12Foreign = []struct {
	gvk  schema.GroupVersionKind
	name string
}{
	{schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, "mimir-recording-rules"},
	{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, "alert-forwarder"},
}

const case12Step = `
id: 2-migration-mode
title: Scale the write path up
actions:
  - jsonnet: {config: {write_replicas: 3}, noRollout: true}
`

// TestCase12TankaEnvLabelCollision is shared case 12: two repositories with
// the same environment path give their objects the same tanka.dev/environment
// value. A jsonnet step of the Mimir environment must neither delete nor
// preview as deletions the other repository's objects, and must name them.
func TestCase12TankaEnvLabelCollision(t *testing.T) {
	dir := testkit.CopyTree(t, case12)
	mimirEnv := filepath.Join(dir, "repo-mimir", "environments", "mimir")
	assertSameTankaLabel(t, mimirEnv, filepath.Join(dir, "repo-alerting", "environments", "mimir"))

	live, err := os.ReadFile(filepath.Join(dir, "live-objects.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := kubefake.DecodeYAML(live)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := kubefake.New(objs...)
	if err != nil {
		t.Fatal(err)
	}
	b := newTestBinder(Deps{Dynamic: srv.Dynamic(), Mapper: srv.Mapper(), Namespace: "mimir"}, mimirEnv)
	p, err := plan.Load(fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(case12Step)}}, "p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := b.BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err != nil {
		t.Fatal(err)
	}

	ch, err := a.(plan.Previewer).Preview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Deletes) != 0 {
		t.Errorf("plan shows deletions: %v", ch.Deletes)
	}
	assertNamesForeignObjects(t, "plan warnings", ch.Warnings)

	progress := &testkit.Progress{}
	if err := a.Apply(context.Background(), progress); err != nil {
		t.Fatal(err)
	}
	for _, o := range case12Foreign {
		if got, err := srv.Get(o.gvk, "mimir", o.name); err != nil || got == nil {
			t.Errorf("apply deleted %s %s of the other repository (%v)", o.gvk.Kind, o.name, err)
		}
	}
	assertNamesForeignObjects(t, "apply output", progress.Reports)
}

// assertSameTankaLabel checks the case's premise: both environments get the
// same tanka.dev/environment value, the one on the live objects.
func assertSameTankaLabel(t *testing.T, a, b string) {
	t.Helper()
	var labels []string
	for _, dir := range []string{a, b} {
		env, err := tanka.Find(dir)
		if err != nil {
			t.Fatal(err)
		}
		l, err := env.Spec.NameLabel()
		if err != nil {
			t.Fatal(err)
		}
		labels = append(labels, l)
	}
	if labels[0] != labels[1] || labels[0] != "547c1f1ec151dda8861e9fe8201f2d727e9f78e491d21f31" {
		t.Fatalf("tanka.dev/environment values %v: the case needs one shared value", labels)
	}
}

func assertNamesForeignObjects(t *testing.T, where string, lines []string) {
	t.Helper()
	text := strings.Join(lines, "\n")
	for _, o := range case12Foreign {
		if !strings.Contains(text, o.gvk.Kind+" mimir/"+o.name) {
			t.Errorf("%s do not name %s %s:\n%s", where, o.gvk.Kind, o.name, text)
		}
	}
	if !strings.Contains(text, "labelled by a Tanka environment of the same name; not deleting (use tk prune if they are really yours)") {
		t.Errorf("%s do not say why the objects are left alone:\n%s", where, text)
	}
}
