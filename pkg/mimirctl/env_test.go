package mimirctl_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// project copies testdata/tanka (environments mimir, which imports the
// overlay file, and fresh, which does not yet) and returns its root.
func project(t *testing.T) string {
	t.Helper()
	return testkit.CopyTree(t, "testdata/tanka")
}

// brokenEnv is an environment of project whose main.jsonnet does not
// evaluate.
func brokenEnv(t *testing.T) string {
	t.Helper()
	env := filepath.Join(project(t), "environments", "mimir")
	if err := os.WriteFile(filepath.Join(env, "main.jsonnet"), []byte("(import 'app.libsonnet') + { x: error 'broken on purpose' }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return env
}

// applyRendered server-side applies what Render returns for o to t's
// cluster, as mimirctl's apply does.
func applyRendered(t *testing.T, tg *mimirctl.Target, o mimirctl.RenderOptions) {
	t.Helper()
	objs, err := mimirctl.Render(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tg.Clients()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kube.Apply(context.Background(), c.Dynamic, c.Mapper, objs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestDiffIsEmptyOnceTheEnvironmentIsAppliedAndShowsTheOverlaysChange(t *testing.T) {
	ctx := context.Background()
	env := filepath.Join(project(t), "environments", "mimir")
	tg := fakeTarget()
	applyRendered(t, tg, mimirctl.RenderOptions{Env: env, AsApplied: true})

	d, err := mimirctl.Diff(ctx, tg, mimirctl.DiffOptions{Env: env, ApplyMode: "direct"})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Report.Empty() || len(d.Kept) > 0 {
		t.Fatalf("right after an apply: %s, kept %v; want no difference", d.Report.Summary(), d.Kept)
	}

	if err := tanka.WriteOverlay(env, &tanka.Overlay{Config: map[string]any{"querier_replicas": 5}}); err != nil {
		t.Fatal(err)
	}
	d, err = mimirctl.Diff(ctx, tg, mimirctl.DiffOptions{Env: env, ApplyMode: "direct"})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Report.Summary(); got != "0 to create, 1 to update, 0 to delete" {
		t.Fatalf("after the overlay changed the querier's replicas: %s", got)
	}
	o := d.Report.Objects[0]
	if o.Ref.Name != "querier" || len(o.Changes) != 1 || o.Changes[0].Path != "/spec/replicas" {
		t.Errorf("want the querier's /spec/replicas to change, got %s %+v", o.Ref, o.Changes)
	}
}

func TestDiffErrors(t *testing.T) {
	ctx := context.Background()
	env := filepath.Join(project(t), "environments", "mimir")
	if _, err := mimirctl.Diff(ctx, fakeTarget(), mimirctl.DiffOptions{Env: env}); err == nil || err.Error() != `--apply-mode "": want direct or external` {
		t.Errorf("no apply mode: error %v", err)
	}
	var evalErr *tanka.EvalError
	if _, err := mimirctl.Diff(ctx, fakeTarget(), mimirctl.DiffOptions{Env: brokenEnv(t), ApplyMode: "external"}); !errors.As(err, &evalErr) || !strings.Contains(err.Error(), "broken on purpose") {
		t.Errorf("an environment that does not evaluate: error %v, want a *tanka.EvalError with jsonnet's message", err)
	}
	if _, err := mimirctl.Diff(ctx, fakeTarget(), mimirctl.DiffOptions{Env: filepath.Join(t.TempDir(), "none"), ApplyMode: "direct"}); err == nil {
		t.Error("no error for a missing environment directory")
	}
	// The environment renders before anything connects: a Target that
	// cannot connect fails only then.
	bad := mimirctl.NewTarget(nil)
	bad.Kube.Kubeconfig = filepath.Join(t.TempDir(), "no-kubeconfig")
	if _, err := mimirctl.Diff(ctx, bad, mimirctl.DiffOptions{Env: env, ApplyMode: "direct"}); err == nil {
		t.Error("no error for a cluster that cannot be reached")
	}
}

func TestCompareReadsTheLiveWorkloadsOrTheRenderedOnes(t *testing.T) {
	ctx := context.Background()
	env := filepath.Join(project(t), "environments", "mimir")
	tg := fakeTarget()

	live, err := mimirctl.Compare(ctx, tg, mimirctl.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if live.Differs() {
		t.Error("a cluster without workloads differs; want every pair not compared")
	}
	for _, p := range live.Results {
		if len(p.Missing) != 2 {
			t.Errorf("%s vs %s: missing %v, want both", p.Pair.From, p.Pair.To, p.Missing)
		}
	}

	applyRendered(t, tg, mimirctl.RenderOptions{Env: env})
	live, err = mimirctl.Compare(ctx, tg, mimirctl.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := mimirctl.Compare(ctx, tg, mimirctl.CompareOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if !live.Differs() || !rendered.Differs() {
		t.Fatalf("querier vs mimir-read: live differs %v, rendered differs %v; want both", live.Differs(), rendered.Differs())
	}
	for i, p := range rendered.Results {
		l := live.Results[i]
		if p.Pair != l.Pair || !reflect.DeepEqual(p.Missing, l.Missing) || len(p.Changes) != len(l.Changes) {
			t.Errorf("pair %d: rendered %+v, live %+v; want the same comparison", i, p, l)
		}
	}
}

func TestCompareOnAnEnvironmentThatDoesNotRender(t *testing.T) {
	var evalErr *tanka.EvalError
	if _, err := mimirctl.Compare(context.Background(), fakeTarget(), mimirctl.CompareOptions{Env: brokenEnv(t)}); !errors.As(err, &evalErr) {
		t.Errorf("error %v, want a *tanka.EvalError", err)
	}
}

func TestInitAddsTheImportOnceAndRenderIsUnchanged(t *testing.T) {
	ctx := context.Background()
	env := filepath.Join(project(t), "environments", "fresh")
	before, err := mimirctl.Render(ctx, mimirctl.RenderOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	res, err := mimirctl.Init(ctx, mimirctl.InitOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Main != filepath.Join(env, "main.jsonnet") || res.Overlay != filepath.Join(env, tanka.OverlayFile) {
		t.Errorf("first init: %+v", res)
	}
	main, err := os.ReadFile(res.Main)
	if err != nil || !strings.Contains(string(main), "+ (import 'mimirctl.libsonnet')") {
		t.Errorf("main.jsonnet after init (%v):\n%s", err, main)
	}
	if _, err := os.Stat(res.Overlay); err != nil {
		t.Errorf("no overlay file: %v", err)
	}
	after, err := mimirctl.Render(ctx, mimirctl.RenderOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || !reflect.DeepEqual(after[0].Object, before[0].Object) {
		t.Error("init changed the rendered objects")
	}
	again, err := mimirctl.Init(ctx, mimirctl.InitOptions{Env: env})
	if err != nil || again.Changed {
		t.Errorf("second init: %+v, %v; want nothing changed", again, err)
	}
}

func TestInitErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := mimirctl.Init(ctx, mimirctl.InitOptions{}); err == nil || !strings.HasPrefix(err.Error(), "--env: ") {
		t.Errorf("no environment: error %v", err)
	}
	env := filepath.Join(project(t), "environments", "fresh")
	if err := os.WriteFile(filepath.Join(env, "main.jsonnet"), []byte("function(replicas=2) (import 'app.libsonnet')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var refused *tanka.InitRefusedError
	if _, err := mimirctl.Init(ctx, mimirctl.InitOptions{Env: env}); !errors.As(err, &refused) || !strings.Contains(refused.Reason, "function of top-level arguments") {
		t.Errorf("a top-level function: error %v, want *tanka.InitRefusedError with the reason", err)
	}
	if _, err := os.Stat(filepath.Join(env, tanka.OverlayFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused init left an overlay file: %v", err)
	}
}

func TestRenderWithAndWithoutTheOverlayAndAsApplied(t *testing.T) {
	ctx := context.Background()
	env := filepath.Join(project(t), "environments", "mimir")
	if err := tanka.WriteOverlay(env, &tanka.Overlay{Config: map[string]any{"querier_replicas": 5}}); err != nil {
		t.Fatal(err)
	}
	replicas := func(o mimirctl.RenderOptions) map[string]int64 {
		t.Helper()
		objs, err := mimirctl.Render(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, obj := range objs {
			n, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
			out[obj.GetName()] = n
			_, labelled := obj.GetLabels()["app.kubernetes.io/managed-by"]
			if labelled != o.AsApplied {
				t.Errorf("%+v: %s has apply's label: %v", o, obj.GetName(), labelled)
			}
		}
		return out
	}
	if got := replicas(mimirctl.RenderOptions{Env: env}); !reflect.DeepEqual(got, map[string]int64{"querier": 5, "mimir-read": 3}) {
		t.Errorf("with the overlay on disk: replicas %v", got)
	}
	if got := replicas(mimirctl.RenderOptions{Env: env, WithoutOverlay: true}); !reflect.DeepEqual(got, map[string]int64{"querier": 2, "mimir-read": 3}) {
		t.Errorf("without the overlay: replicas %v", got)
	}
	if got := replicas(mimirctl.RenderOptions{Env: env, AsApplied: true}); got["querier"] != 5 {
		t.Errorf("as applied: replicas %v", got)
	}

	if _, err := mimirctl.Render(ctx, mimirctl.RenderOptions{}); err == nil || !strings.HasPrefix(err.Error(), "--env: ") {
		t.Errorf("no environment: error %v", err)
	}
	var evalErr *tanka.EvalError
	if _, err := mimirctl.Render(ctx, mimirctl.RenderOptions{Env: brokenEnv(t)}); !errors.As(err, &evalErr) {
		t.Errorf("an environment that does not evaluate: error %v", err)
	}
}
