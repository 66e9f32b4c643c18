package tankaenv

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/tanka"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// rendered is one render of an environment, with lookups for assertions.
type rendered struct {
	t    *testing.T
	res  *tanka.Result
	objs map[string]*unstructured.Unstructured // "Kind/name"
}

// renderEnv renders env of a fresh copy of the project with overlay merged
// last (as mimirctl's generated file) and snippets merged before it (as
// hand-written override files). It wires the overlay import directly
// instead of through tanka.Init, which renders twice more for its safety
// check; TestRenderThroughInit covers that path.
func renderEnv(t *testing.T, env string, overlay *tanka.Overlay, snippets ...string) (*rendered, error) {
	t.Helper()
	root, err := Copy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range snippets {
		if err := AppendMerge(root, env, "snippet"+string(rune('a'+i))+".libsonnet", s); err != nil {
			t.Fatal(err)
		}
	}
	if overlay != nil {
		dir := filepath.Join(root, env)
		if err := tanka.WriteOverlay(dir, overlay); err != nil {
			t.Fatal(err)
		}
		if err := appendImport(dir, tanka.OverlayFile); err != nil {
			t.Fatal(err)
		}
	}
	res, err := tanka.Load(context.Background(), filepath.Join(root, env), tanka.Options{})
	if err != nil {
		return nil, err
	}
	r := &rendered{t: t, res: res, objs: map[string]*unstructured.Unstructured{}}
	for _, o := range res.Objects {
		r.objs[o.GetKind()+"/"+o.GetName()] = o
	}
	return r, nil
}

// mustRender is renderEnv failing the test on a render error.
func mustRender(t *testing.T, env string, overlay *tanka.Overlay, snippets ...string) *rendered {
	t.Helper()
	r, err := renderEnv(t, env, overlay, snippets...)
	if err != nil {
		t.Fatalf("render %s: %v", env, err)
	}
	return r
}

// config is an overlay setting _config values.
func config(kv map[string]any) *tanka.Overlay { return &tanka.Overlay{Config: kv} }

func (r *rendered) get(kind, name string) *unstructured.Unstructured {
	r.t.Helper()
	o, ok := r.objs[kind+"/"+name]
	if !ok {
		r.t.Fatalf("%s %s is not rendered; rendered: %s", kind, name, strings.Join(r.names(), ", "))
	}
	return o
}

func (r *rendered) names() []string {
	out := make([]string, 0, len(r.res.Objects))
	for _, o := range r.res.Objects {
		out = append(out, o.GetKind()+"/"+o.GetName())
	}
	return out
}

// workload is the Deployment or StatefulSet called name.
func (r *rendered) workload(name string) *unstructured.Unstructured {
	r.t.Helper()
	if o, ok := r.workloads()[name]; ok {
		return o
	}
	r.t.Fatalf("no Deployment or StatefulSet %s; rendered: %s", name, strings.Join(r.names(), ", "))
	return nil
}

// workloads are the Deployments and StatefulSets, by name.
func (r *rendered) workloads() map[string]*unstructured.Unstructured {
	out := map[string]*unstructured.Unstructured{}
	for _, o := range r.res.Objects {
		if k := o.GetKind(); k == "Deployment" || k == "StatefulSet" {
			out[o.GetName()] = o
		}
	}
	return out
}

// args is the flag map of a workload's first container: "-a.b=c" → a.b: c.
func args(t *testing.T, o *unstructured.Unstructured) map[string]string {
	t.Helper()
	c := container(t, o)
	out := map[string]string{}
	for _, a := range stringsOf(c["args"]) {
		k, v, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		out[k] = v
	}
	return out
}

func container(t *testing.T, o *unstructured.Unstructured) map[string]any {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	if len(cs) == 0 {
		t.Fatalf("%s %s has no container", o.GetKind(), o.GetName())
	}
	return cs[0].(map[string]any)
}

func replicas(t *testing.T, o *unstructured.Unstructured) int64 {
	t.Helper()
	r, ok, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
	if !ok {
		t.Fatalf("%s %s has no spec.replicas", o.GetKind(), o.GetName())
	}
	return r
}

func podLabels(o *unstructured.Unstructured) map[string]string {
	l, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
	return l
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (create it with go test -update): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the render (rerun with -update after checking the change):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) or only in got (+), in order.
func lineDiff(want, got string) string {
	inGot, inWant := map[string]int{}, map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		inGot[l]++
	}
	for _, l := range strings.Split(want, "\n") {
		inWant[l]++
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if inGot[l] == 0 {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if inWant[l] == 0 {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// hasID reports whether "Kind/name" is rendered.
func (r *rendered) hasID(id string) bool {
	_, ok := r.objs[id]
	return ok
}
