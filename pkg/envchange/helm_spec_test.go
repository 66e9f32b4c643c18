package envchange

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

func values(t *testing.T, s string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A change merges as a later values file does (maps key by key, lists
// and scalars replaced), its removals drop the emptied maps, and numbers
// from a step file (int) and from the file (float64) compare equal.
func TestHelmValuesSpecMergesAsHelmMergesValuesFiles(t *testing.T) {
	file := values(t, "mimir: {structuredConfig: {memberlist: {cluster_label_verification_disabled: true}, limits: {max_global_series_per_user: 150000}}}\nzones: [a, b, c]\n")
	s := &HelmValuesSpec{
		Set:    map[string]any{"mimir": map[string]any{"structuredConfig": map[string]any{"memberlist": map[string]any{"cluster_label": "prod"}}}, "zones": []any{"a", "b"}},
		Remove: []string{"mimir.structuredConfig.limits.max_global_series_per_user", "not.there"},
	}
	got := s.ApplyTo(file)
	want := values(t, "mimir: {structuredConfig: {memberlist: {cluster_label_verification_disabled: true, cluster_label: prod}}}\nzones: [a, b]\n")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ApplyTo = %v, want %v", got, want)
	}
	if file["zones"].([]any)[2] != "c" {
		t.Error("ApplyTo changed the file's values it was given")
	}
	if s.AppliedIn(file) || !s.AppliedIn(got) {
		t.Errorf("AppliedIn: before %v, after %v; want false, true", s.AppliedIn(file), s.AppliedIn(got))
	}
	n := &HelmValuesSpec{Set: map[string]any{"replicas": 3}}
	if !n.AppliedIn(values(t, "replicas: 3\n")) {
		t.Error("an int from a step file differs from the same number read from the values file")
	}
	if got := s.Describe(); got != "helm values: mimir.structuredConfig.memberlist.cluster_label=prod, zones=[a b], remove mimir.structuredConfig.limits.max_global_series_per_user, not.there" {
		t.Errorf("Describe = %q", got)
	}
	flags := &HelmValuesSpec{Set: map[string]any{"distributor": map[string]any{"extraArgs": map[string]any{"distributor.ha-tracker.store": "multi"}}}}
	if got := flags.Describe(); got != `helm values: distributor.extraArgs.distributor\.ha-tracker\.store=multi` {
		t.Errorf("Describe of a key with dots = %q, want them escaped as helm --set takes them", got)
	}
}

func TestHelmValuesSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		spec HelmValuesSpec
		want string
	}{
		{HelmValuesSpec{}, "empty"},
		{HelmValuesSpec{Remove: []string{"a..b"}}, `"a..b" is not a dotted path`},
		{HelmValuesSpec{Remove: []string{""}}, `"" is not a dotted path`},
	} {
		err := tc.spec.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
	if err := (&HelmValuesSpec{Set: map[string]any{"a": nil}}).Validate(); err != nil {
		t.Errorf("a null (Helm's way to drop a chart default): %v", err)
	}
}

// The values file is placed on the plan's changes: a change later removed
// is not expected to be there at the end.
func TestValuesTrail(t *testing.T) {
	specs := []*HelmValuesSpec{
		{Set: map[string]any{"limits": map[string]any{"max_global_series_per_user": 400000}}},
		{Set: map[string]any{"zones": []any{"a", "b"}, "kept": false}},
		{Remove: []string{"limits.max_global_series_per_user"}},
	}
	for _, tc := range []struct {
		file string
		want []bool
	}{
		{"{}", []bool{false, false, false}},
		{"limits: {max_global_series_per_user: 400000}\nuser: own", []bool{true, false, false}},
		{"limits: {max_global_series_per_user: 400000}\nzones: [a, b]\nkept: false", []bool{true, true, false}},
		{"zones: [a, b]\nkept: false", []bool{false, false, true}},
	} {
		holds, missing := ValuesTrail(values(t, tc.file), specs)
		if !reflect.DeepEqual(holds, tc.want) {
			t.Errorf("%q: holds %v, want %v (%v)", tc.file, holds, tc.want, missing)
		}
	}
}

func statefulSet(name, group, strategy string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet",
		"metadata": map[string]any{"name": name, "namespace": "mimir", "labels": map[string]any{"rollout-group": group}},
		"spec":     map[string]any{"updateStrategy": map[string]any{"type": strategy}}}}
	return u
}

// helm upgrade applies every zone at once: a change that restarts two
// zones Kubernetes rolls by itself is refused in direct mode; OnDelete
// zones (rolled by rollout-operator) and external mode are not.
func TestHelmUpgradeRefusesToRestartTwoZonesAtOnce(t *testing.T) {
	ctx := context.Background()
	a := &helmAction{spec: &HelmValuesSpec{Set: map[string]any{"x": 1}}, d: Deps{Kube: fake.NewClientset()}}
	rolling := []*unstructured.Unstructured{statefulSet("ingester-zone-a", "ingester", "RollingUpdate"), statefulSet("ingester-zone-b", "ingester", "RollingUpdate")}
	err := a.refuseUpgrade(ctx, &HelmDesired{}, rolling)
	if err == nil || !strings.Contains(err.Error(), "ingester-zone-a, ingester-zone-b at once") {
		t.Errorf("RollingUpdate zones: %v, want a refusal naming both", err)
	}
	onDelete := []*unstructured.Unstructured{statefulSet("ingester-zone-a", "ingester", "OnDelete"), statefulSet("ingester-zone-b", "ingester", "OnDelete")}
	if err := a.refuseUpgrade(ctx, &HelmDesired{}, onDelete); err != nil {
		t.Errorf("OnDelete zones: %v", err)
	}
	if err := a.refuseUpgrade(ctx, &HelmDesired{}, rolling[:1]); err != nil {
		t.Errorf("one zone: %v", err)
	}
	a.d.External = true
	if err := a.refuseUpgrade(ctx, &HelmDesired{}, rolling); err != nil {
		t.Errorf("external mode: %v", err)
	}
}

// requireRingStores is checked before the values file is written: pods
// whose rings are not the listed ones on the store refuse the change and
// leave the file as it was; once the file holds the change (a resumed
// step), the pods are not asked again.
func TestHelmValuesRequireRingStoresBeforeTheFileChanges(t *testing.T) {
	dir := t.TempDir()
	env := &HelmEnvironment{Env: &helmenv.Environment{Chart: dir, Release: "mimir", Namespace: "mimir", ValuesFiles: []string{filepath.Join(dir, "values.yaml")}}}
	memberlistRings := "ingester:\n    ring:\n        kvstore: {store: memberlist}\n"
	pod := gatetest.Pod{Name: "ingester-0", Labels: map[string]string{"app": "mimir"},
		Server: gatetest.FakeMimir(t, map[string]gatetest.Route{mimir.PathConfig: {Body: memberlistRings}})}
	gd := gatetest.FakeCluster(t, time.Now(), pod)
	spec := &HelmValuesSpec{
		Set:               values(t, "mimir: {structuredConfig: {ingester: {ring: {kvstore: {store: multi}}}}}"),
		RequireRingStores: &kvmigrate.RingStoresSpec{Pods: podaccess.Selector{Labels: "app=mimir"}, Store: kvmigrate.Consul, Rings: []string{"ingester.ring"}},
	}
	a := &helmAction{spec: spec, env: env, d: Deps{Helm: env, Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods, Now: time.Now}}
	var refused *kvmigrate.RefusedError
	if err := a.Apply(context.Background(), nil); !errors.As(err, &refused) || !strings.Contains(err.Error(), "ingester.ring runs memberlist, not consul") {
		t.Fatalf("Apply() = %v, want the refusal naming ingester.ring", err)
	}
	if _, err := os.Stat(env.OverlayPath()); !os.IsNotExist(err) {
		t.Errorf("the refused change wrote %s (%v)", env.OverlayPath(), err)
	}
	if err := env.WriteOverlay(spec.ApplyTo(nil), "ring-kv-to-memberlist", "1-enable-multi-kv"); err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(context.Background(), nil); errors.As(err, &refused) {
		t.Errorf("Apply() with the change in the file asked the pods again: %v", err)
	}
}
