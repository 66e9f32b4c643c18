//go:build integration

package kube

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// These tests run against a real API server: set MIMIRCTL_TEST_KUBECONFIG
// and run `go test -tags integration ./pkg/kube/`. Each test works in a
// namespace of its own and deletes it afterwards. With
// MIMIRCTL_TEST_FAKE_KUBELET=1 (a control plane without nodes) the tests
// play the kubelet for their own pods so that rollouts complete.

func testClients(t *testing.T) *Clients {
	t.Helper()
	path := os.Getenv("MIMIRCTL_TEST_KUBECONFIG")
	if path == "" {
		t.Fatal("MIMIRCTL_TEST_KUBECONFIG is not set: the integration tests need the kubeconfig of a real API server " +
			"(e.g. the local cluster of e2e/local); run without -tags integration to skip them")
	}
	c, err := Options{Kubeconfig: path, Timeout: 30 * time.Second}.Connect()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testNamespace(t *testing.T, c *Clients) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ns := "mimirctl-it-" + hex.EncodeToString(b)
	_, err := c.Kube.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Kube.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	return ns
}

// testEnvironment copies pkg/tanka's test project, points its default
// environment at ns and wires the overlay.
func testEnvironment(t *testing.T, ns string) string {
	t.Helper()
	src := filepath.Join("..", "tanka", "testdata", "project")
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dst, "environments", "default")
	spec := fmt.Sprintf(`{"apiVersion":"tanka.dev/v1alpha1","kind":"Environment","metadata":{"name":"it"},"spec":{"namespace":%q}}`, ns)
	if err := os.WriteFile(filepath.Join(env, "spec.json"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tanka.Init(context.Background(), env, tanka.Options{}); err != nil {
		t.Fatal(err)
	}
	return env
}

type fixture struct {
	t         *testing.T
	c         *Clients
	ns        string
	env       string
	ownership Ownership
}

func newFixture(t *testing.T) *fixture {
	c := testClients(t)
	ns := testNamespace(t, c)
	f := &fixture{t: t, c: c, ns: ns, env: testEnvironment(t, ns)}
	found, err := tanka.Find(f.env)
	if err != nil {
		t.Fatal(err)
	}
	id, err := found.Spec.NameLabel()
	if err != nil {
		t.Fatal(err)
	}
	f.ownership = Ownership{EnvironmentID: id}
	return f
}

// render renders the environment with the overlay changed by change.
func (f *fixture) render(change func(o *tanka.Overlay)) []*unstructured.Unstructured {
	f.t.Helper()
	o, err := tanka.ReadOverlay(f.env)
	if err != nil {
		f.t.Fatal(err)
	}
	if change != nil {
		change(o)
		if err := tanka.WriteOverlay(f.env, o); err != nil {
			f.t.Fatal(err)
		}
	}
	r, err := tanka.Load(context.Background(), f.env, tanka.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.ownership.Label(r.Objects)
}

func (f *fixture) diff(desired []*unstructured.Unstructured) *diff.Report {
	f.t.Helper()
	pairs, err := LivePairs(context.Background(), f.c.Dynamic, f.c.Mapper, desired, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := diff.Compare(pairs, diff.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) apply(desired []*unstructured.Unstructured, opts ApplyOptions) []*unstructured.Unstructured {
	f.t.Helper()
	out, err := Apply(context.Background(), f.c.Dynamic, f.c.Mapper, desired, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// stored summarises what the server stored of each object, without status
// and server-owned metadata, with its generation.
func stored(objs []*unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	for _, o := range objs {
		s := diff.StripServerFields(o)
		out[diff.RefOf(o).String()] = fmt.Sprintf("generation %d: %v", o.GetGeneration(), s.Object)
	}
	return out
}

func TestIntegrationApplyDiffPrune(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	desired := f.render(nil)

	first := f.apply(desired, ApplyOptions{})
	if r := f.diff(desired); !r.Empty() {
		t.Fatalf("right after apply the diff is not empty:\n%s", human(t, r))
	}
	again := f.apply(desired, ApplyOptions{})
	if a, b := stored(first), stored(again); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("re-applying unchanged objects changed them:\n%v\n%v", a, b)
	}

	changed := f.render(func(o *tanka.Overlay) {
		o.Merge(tanka.Overlay{Objects: map[string]any{"querier_deployment": map[string]any{"spec": map[string]any{"replicas": 0}}}})
	})
	r := f.diff(changed)
	if len(r.Objects) != 1 || len(r.Objects[0].Changes) != 1 {
		t.Fatalf("want exactly one change, got:\n%s", human(t, r))
	}
	if c := r.Objects[0].Changes[0]; r.Objects[0].Ref.Name != "querier" || c.Path != "/spec/replicas" ||
		fmt.Sprint(c.From) != "2" || fmt.Sprint(c.To) != "0" {
		t.Fatalf("unexpected change %+v on %s", c, r.Objects[0].Ref)
	}
	f.apply(changed, ApplyOptions{})
	if r := f.diff(changed); !r.Empty() {
		t.Fatalf("after applying the change the diff is not empty:\n%s", human(t, r))
	}

	// A changed flag rolls the distributor's pods; the wait sees it through.
	rolled := f.render(func(o *tanka.Overlay) {
		o.Merge(tanka.Overlay{Hidden: map[string]map[string]any{"distributor_args": {"distributor.ring.heartbeat-period": "20s"}}})
	})
	if r := f.diff(rolled); len(r.Objects) != 1 || r.Objects[0].Ref.Name != "distributor" {
		t.Fatalf("want only the distributor to change, got:\n%s", human(t, r))
	}
	f.apply(rolled, ApplyOptions{})
	f.waitRollouts(rolled)

	// A hand-made object in the namespace is never pruned.
	_, err := f.c.Kube.CoreV1().ConfigMaps(f.ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "hand-made"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pvcsBefore := f.pvcNames()

	readWrite := f.render(func(o *tanka.Overlay) {
		o.Merge(tanka.Overlay{Config: map[string]any{"deployment_mode": "read-write"}})
		o.RemoveObject("querier_deployment")
	})
	f.apply(readWrite, ApplyOptions{})
	items, err := PruneCandidates(ctx, f.c.Dynamic, f.c.Mapper, readWrite, PruneOptions{Ownership: f.ownership})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range items {
		names = append(names, it.Object.Kind+"/"+it.Object.Name)
	}
	want := "Deployment/distributor Deployment/querier Deployment/query-frontend Service/distributor StatefulSet/ingester-zone-a StatefulSet/store-gateway-zone-a"
	if strings.Join(names, " ") != want {
		t.Fatalf("prune candidates:\n%s\nwant:\n%s", strings.Join(names, " "), want)
	}
	if err := Prune(ctx, f.c.Dynamic, f.c.Mapper, items, f.ownership); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if live, err := GetLive(ctx, f.c.Dynamic, f.c.Mapper, it.live); err != nil || (live != nil && live.GetDeletionTimestamp() == nil) {
			t.Fatalf("%s still exists after prune (%v)", it.Object, err)
		}
	}
	if _, err := f.c.Kube.CoreV1().ConfigMaps(f.ns).Get(ctx, "hand-made", metav1.GetOptions{}); err != nil {
		t.Fatalf("the hand-made ConfigMap was pruned: %v", err)
	}
	after := map[string]bool{}
	for _, n := range f.pvcNames() {
		after[n] = true
	}
	for _, n := range pvcsBefore {
		if !after[n] {
			t.Fatalf("PVC %s of a pruned StatefulSet was deleted without DeletePVCs", n)
		}
	}
	t.Logf("PVCs kept: %v", pvcsBefore)
}

func (f *fixture) pvcNames() []string {
	f.t.Helper()
	list, err := f.c.Kube.CoreV1().PersistentVolumeClaims(f.ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, p := range list.Items {
		out = append(out, p.Name)
	}
	return out
}

func TestIntegrationConflictsNameTheOtherManager(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	desired := f.render(nil)
	f.apply(desired, ApplyOptions{})

	// Another tool takes spec.replicas of the querier over.
	patch := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"querier"},"spec":{"replicas":5}}`)
	_, err := f.c.Kube.AppsV1().Deployments(f.ns).Patch(ctx, "querier", "application/apply-patch+yaml", patch,
		metav1.PatchOptions{FieldManager: "hpa-tool", Force: ptr.To(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Apply(ctx, f.c.Dynamic, f.c.Mapper, desired, ApplyOptions{})
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Conflicts) != 1 || ce.Conflicts[0].Manager != "hpa-tool" || ce.Conflicts[0].Field != ".spec.replicas" {
		t.Fatalf("want a conflict on .spec.replicas with hpa-tool, got %v", err)
	}
	if IsTransient(err) {
		t.Fatal("a field manager conflict was classified as transient")
	}
	t.Logf("conflict message: %v", err)
	f.apply(desired, ApplyOptions{ForceConflicts: true})
	if r := f.diff(desired); !r.Empty() {
		t.Fatalf("after a forced apply the diff is not empty:\n%s", human(t, r))
	}
}

func TestIntegrationScaleAndRuntimeConfig(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.apply(f.render(nil), ApplyOptions{})

	prev, err := Scale(ctx, f.c.Kube, Workload{Kind: "StatefulSet", Namespace: f.ns, Name: "ingester-zone-a"}, 1)
	if err != nil || prev != 2 {
		t.Fatalf("Scale = %d, %v; want previous 2", prev, err)
	}
	sts, err := f.c.Kube.AppsV1().StatefulSets(f.ns).Get(ctx, "ingester-zone-a", metav1.GetOptions{})
	if err != nil || *sts.Spec.Replicas != 1 {
		t.Fatalf("replicas after scale: %v, %v", sts.Spec.Replicas, err)
	}
	// The rendered objects still say 2: applying them names the scale.
	_, err = Apply(ctx, f.c.Dynamic, f.c.Mapper, f.render(nil), ApplyOptions{})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Conflicts[0].Manager != ScaleFieldManager {
		t.Fatalf("want a conflict with %s, got %v", ScaleFieldManager, err)
	}

	change := RuntimeConfigChange{Namespace: f.ns, Patch: map[string]any{
		"multi_kv_config": map[string]any{"primary": "memberlist", "mirror_enabled": true},
	}}
	changed, err := ApplyRuntimeConfig(ctx, f.c.Kube, change)
	if err != nil || !changed {
		t.Fatalf("ApplyRuntimeConfig = %v, %v", changed, err)
	}
	changed, err = ApplyRuntimeConfig(ctx, f.c.Kube, change)
	if err != nil || changed {
		t.Fatalf("a second ApplyRuntimeConfig = %v, %v; want no change", changed, err)
	}
	cm, err := f.c.Kube.CoreV1().ConfigMaps(f.ns).Get(ctx, mimir.RuntimeConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cm.Data[mimir.RuntimeConfigKey]; !strings.Contains(got, "primary: memberlist") || !strings.Contains(got, "overrides: {}") {
		t.Fatalf("overrides.yaml after the change:\n%s", got)
	}
}

func TestIntegrationDroppedFieldsAreRemovalsAndDryRunStoresNothing(t *testing.T) {
	f := newFixture(t)
	annotated := f.render(func(o *tanka.Overlay) {
		o.Merge(tanka.Overlay{Objects: map[string]any{"querier_deployment": map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{"mimirctl.dev/step": "2"}},
			"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"terminationGracePeriodSeconds": 60}}},
		}}})
	})
	f.apply(annotated, ApplyOptions{})
	plain := f.render(func(o *tanka.Overlay) { o.RemoveObject("querier_deployment") })
	r := f.diff(plain)
	var got []string
	for _, o := range r.Objects {
		for _, c := range o.Changes {
			got = append(got, fmt.Sprintf("%s %s %s", o.Ref.Name, c.Kind, c.Path))
		}
	}
	// dyff reports a removed map entry at its parent's path.
	want := "querier removed /metadata querier removed /spec/template/spec"
	if strings.Join(got, " ") != want {
		t.Fatalf("changes:\n%s\nwant:\n%s\n%s", strings.Join(got, "\n"), want, human(t, r))
	}

	dry := f.apply(plain, ApplyOptions{DryRun: true})
	if len(dry) != len(plain) {
		t.Fatalf("dry run returned %d objects", len(dry))
	}
	if r := f.diff(plain); len(r.Objects) != 1 {
		t.Fatalf("a dry run changed the cluster:\n%s", human(t, r))
	}
	f.apply(plain, ApplyOptions{})
	if r := f.diff(plain); !r.Empty() {
		t.Fatalf("after applying, the dropped fields are still there:\n%s", human(t, r))
	}
}

func TestIntegrationBadKubeconfigIsExplained(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: Config\nclusters: {"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Options{Kubeconfig: bad}.Connect()
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("want an error naming %s, got %v", bad, err)
	}
	_, err = Options{Kubeconfig: os.Getenv("MIMIRCTL_TEST_KUBECONFIG"), Context: "nope"}.Connect()
	if err == nil || !strings.Contains(err.Error(), `context "nope" does not exist`) {
		t.Fatalf("want an unknown-context error, got %v", err)
	}
}

func human(t *testing.T, r *diff.Report) string {
	var b strings.Builder
	if err := r.WriteHuman(&b, diff.ColorNever); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
