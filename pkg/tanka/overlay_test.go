package tanka

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"
)

// step5 is the read-write migration doc's step 5 as an overlay delta.
func step5() Overlay {
	return Overlay{
		Config: map[string]any{"multi_zone_store_gateway_replicas": 0, "autoscaling_querier_enabled": false},
		Hidden: map[string]map[string]any{
			"store_gateway_args": {"store-gateway.sharding-ring.unregister-on-shutdown": true},
			"mimir_backend_args": {"store-gateway.sharding-ring.unregister-on-shutdown": false},
		},
		Objects: map[string]any{
			"query_frontend_deployment": map[string]any{"spec": map[string]any{"replicas": 0}},
			"querier_deployment":        map[string]any{"spec": map[string]any{"replicas": 0}},
		},
	}
}

func TestOverlayJsonnetMatchesGoldenFile(t *testing.T) {
	o := &Overlay{Plan: "microservices-to-read-write", Step: "step-5-scale-down-read-backend"}
	o.Merge(Overlay{Config: map[string]any{"deployment_mode": "migration", "mimir_read_replicas": 3}})
	o.Merge(step5())
	o.Merge(Overlay{Objects: map[string]any{"weird keys": map[string]any{"metadata": map[string]any{
		"annotations": map[string]any{"it's": "a\nb", "n": 1.5, "list": []any{"x", map[string]any{"y": nil}}},
	}}}})
	text, err := o.Jsonnet()
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "overlay/step5.libsonnet", []byte(text))
	golden.Assert(t, "overlay/empty.libsonnet", mustJsonnet(t, &Overlay{Plan: "p"}))
}

func mustJsonnet(t *testing.T, o *Overlay) []byte {
	t.Helper()
	text, err := o.Jsonnet()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(text)
}

func TestOverlayReadsBackExactlyWhatItWrote(t *testing.T) {
	o := &Overlay{Plan: "p", Step: "s"}
	o.Merge(step5())
	o.Merge(Overlay{Config: map[string]any{"big": int64(1) << 40, "ratio": 0.25, "list": []string{"a"}}})
	dir := t.TempDir()
	if err := WriteOverlay(dir, o); err != nil {
		t.Fatal(err)
	}
	back, err := ReadOverlay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(o) || back.Plan != "p" || back.Step != "s" {
		t.Fatalf("read back %+v, wrote %+v", back, o)
	}
}

func TestOverlayRefusesHandEdits(t *testing.T) {
	dir := t.TempDir()
	o := &Overlay{}
	o.Merge(step5())
	if err := WriteOverlay(dir, o); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(OverlayPath(dir))
	edited := strings.Replace(string(raw), "replicas: 0", "replicas: 1", 1)
	mustWrite(t, OverlayPath(dir), edited)
	var e *OverlayEditedError
	if _, err := ReadOverlay(dir); !errors.As(err, &e) {
		t.Fatalf("want *OverlayEditedError, got %v", err)
	}
	if o, err := ReadOverlay(t.TempDir()); err != nil || !o.IsEmpty() {
		t.Fatalf("a missing overlay file should read as empty, got %+v, %v", o, err)
	}
}

func TestOverlayOperations(t *testing.T) {
	base := func() *Overlay { o := &Overlay{}; o.Merge(step5()); return o }
	tests := []struct {
		behaviour string
		change    func(o *Overlay) bool
		covers    Overlay
		want      bool
	}{
		{"an overlay covers the delta merged into it", func(*Overlay) bool { return true }, step5(), true},
		{"a different value is not covered",
			func(*Overlay) bool { return true },
			Overlay{Objects: map[string]any{"querier_deployment": map[string]any{"spec": map[string]any{"replicas": 1}}}}, false},
		{"a later merge deep-merges objects and keeps siblings",
			func(o *Overlay) bool {
				o.Merge(Overlay{Objects: map[string]any{"querier_deployment": map[string]any{"spec": map[string]any{"minReadySeconds": 10}}}})
				return true
			},
			Overlay{Objects: map[string]any{"querier_deployment": map[string]any{"spec": map[string]any{"replicas": 0, "minReadySeconds": 10}}}}, true},
		{"removing an object override drops it entirely",
			func(o *Overlay) bool { return o.RemoveObject("querier_deployment") },
			Overlay{Objects: map[string]any{"querier_deployment": map[string]any{}}}, false},
		{"removing a nested path prunes the emptied parents",
			func(o *Overlay) bool {
				return o.RemoveObject("querier_deployment", "spec", "replicas") && o.Objects["querier_deployment"] == nil
			},
			Overlay{Objects: map[string]any{"query_frontend_deployment": map[string]any{"spec": map[string]any{"replicas": 0}}}}, true},
		{"removing a hidden key keeps the other keys of the field",
			func(o *Overlay) bool {
				o.Merge(Overlay{Hidden: map[string]map[string]any{"store_gateway_args": {"x": 1}}})
				return o.RemoveHidden("store_gateway_args", "store-gateway.sharding-ring.unregister-on-shutdown")
			},
			Overlay{Hidden: map[string]map[string]any{"store_gateway_args": {"x": 1}}}, true},
		{"removing config keys reports whether they were there",
			func(o *Overlay) bool {
				return o.RemoveConfig("autoscaling_querier_enabled") && !o.RemoveConfig("autoscaling_querier_enabled")
			},
			Overlay{Config: map[string]any{"autoscaling_querier_enabled": false}}, false},
		{"removing what is absent reports false",
			func(o *Overlay) bool {
				return !o.RemoveObject("ruler_deployment") && !o.RemoveHidden("ruler_args") && !o.RemoveObject("querier_deployment", "spec", "x", "y")
			},
			step5(), true},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			o := base()
			if !tt.change(o) {
				t.Fatal("the change did not report what it did")
			}
			if got := o.Covers(tt.covers); got != tt.want {
				t.Fatalf("Covers = %v, want %v; overlay %+v", got, tt.want, o)
			}
		})
	}
}

func TestOverlayValidation(t *testing.T) {
	bad := []Overlay{
		{Objects: map[string]any{"querier_deployment": 3}},
		{Objects: map[string]any{"store_gateway_args": map[string]any{}}, Hidden: map[string]map[string]any{"store_gateway_args": {"a": 1}}},
		{Hidden: map[string]map[string]any{"_config": {"a": 1}}},
	}
	for _, o := range bad {
		if _, err := o.Jsonnet(); err == nil {
			t.Errorf("overlay %+v rendered without error", o)
		}
	}
}

// TestOverlayChangesTheRenderedObjects renders the test environment with
// the overlay imported and checks the merges reach the objects while the
// library's hidden helpers stay hidden and usable.
func TestOverlayChangesTheRenderedObjects(t *testing.T) {
	dir := copyProject(t)
	env := filepath.Join(dir, "environments", "default")
	if _, err := Init(context.Background(), env, Options{}); err != nil {
		t.Fatal(err)
	}
	o := &Overlay{Plan: "microservices-to-read-write", Step: "step-2"}
	o.Merge(Overlay{Config: map[string]any{"deployment_mode": "migration", "mimir_write_replicas": 0}})
	o.Merge(step5())
	if err := WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(env, "check.jsonnet"), `local main = import 'main.jsonnet';
{ cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'check' }, data: {
  describe: main.querier_deployment.spec.describe(),
  replicas: std.toString(main.querier_deployment.withReplicas(5).spec.replicas),
} } }`)
	r, err := Load(context.Background(), env, Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "render/default-with-overlay.yaml", manifests(t, r))
	if strings.Contains(string(manifests(t, r)), "describe") {
		t.Fatal("a hidden field of the library became visible")
	}
	checkEnv, err := Find(env)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := evaluateFile(checkEnv, filepath.Join(env, "check.jsonnet"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tree, `"describe": "deployment querier"`) || !strings.Contains(tree, `"replicas": "5"`) {
		t.Fatalf("hidden helpers were not usable after the overlay: %s", tree)
	}
}

func evaluateFile(env *Environment, file string) (string, error) {
	vm, _, err := newVM(env, Options{})
	if err != nil {
		return "", err
	}
	return vm.EvaluateFile(file)
}

func TestRenderExplainsAnOverrideOfARemovedObject(t *testing.T) {
	dir := copyProject(t)
	env := filepath.Join(dir, "environments", "default")
	if _, err := Init(context.Background(), env, Options{}); err != nil {
		t.Fatal(err)
	}
	o := &Overlay{}
	o.Merge(Overlay{Config: map[string]any{"deployment_mode": "read-write"}})
	o.Merge(Overlay{Objects: map[string]any{"ruler_deployment": map[string]any{"spec": map[string]any{"replicas": 0}}}})
	if err := WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	_, err := Load(context.Background(), env, Options{})
	var inv *InvalidObjectError
	if !errors.As(err, &inv) || inv.OverlayField != "ruler_deployment" {
		t.Fatalf("want an invalid object naming the ruler_deployment override, got %v", err)
	}

	// Mimir's library renders a disabled component as null (the ruler in
	// read-write mode here; overrides_exporter_deployment unless
	// overrides_exporter_enabled in Grafana's library): the override leaves
	// it null, so the object is simply not rendered.
	o.RemoveObject("ruler_deployment")
	o.Merge(step5())
	if err := WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	res, err := Load(context.Background(), env, Options{})
	if err != nil {
		t.Fatalf("an override of an object the library renders as null must render: %v", err)
	}
	for _, obj := range res.Objects {
		if obj.GetName() == "querier" || obj.GetName() == "query-frontend" {
			t.Fatalf("%s %s: the library nulls it in read-write mode, the override brought it back", obj.GetKind(), obj.GetName())
		}
	}
	// The same override on a rendered object still merges into it.
	o.Merge(Overlay{Config: map[string]any{"deployment_mode": "migration"}})
	if err := WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	res = mustLoad(t, env)
	found := false
	for _, obj := range res.Objects {
		if obj.GetName() == "querier" && obj.GetKind() == "Deployment" {
			found = true
			if r, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas"); r != 0 {
				t.Fatalf("querier replicas %d, want the override's 0", r)
			}
			if obj.GetNamespace() == "" {
				t.Fatal("the override replaced the library's object instead of merging into it")
			}
		}
	}
	if !found {
		t.Fatal("in migration mode the library renders the querier: want it with the override")
	}
}

func TestRenderPreviewsAnOverlayWithoutWritingIt(t *testing.T) {
	dir := copyProject(t)
	env := filepath.Join(dir, "environments", "default")
	if _, err := Init(context.Background(), env, Options{}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(OverlayPath(env))
	o := &Overlay{}
	o.Merge(step5())
	preview, err := Load(context.Background(), env, Options{Overlay: o})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(OverlayPath(env))
	if string(after) != string(before) {
		t.Fatal("previewing an overlay wrote the overlay file")
	}
	if err := WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	written, err := Load(context.Background(), env, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(manifests(t, preview)) != string(manifests(t, written)) {
		t.Fatal("the preview differs from the render of the written overlay")
	}
	if string(manifests(t, preview)) == string(manifests(t, mustLoad(t, envDir("default")))) {
		t.Fatal("the previewed overlay changed nothing")
	}
}

func mustLoad(t *testing.T, path string) *Result {
	t.Helper()
	r, err := Load(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
