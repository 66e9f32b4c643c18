//go:build integration

package mimirctl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	helmkube "helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

// TestHelmPlanUpgradesTheRelease runs a plan written for Tanka and Helm
// environments on a Helm release of a real API server (installed with
// Helm's own install action): each step's helmValues change goes into
// mimirctl-values.yaml and becomes one revision of the release, as helm
// upgrade with that file last would make it (the jsonnet actions are left
// out); helm history shows them, the cluster holds what the values say
// (zone c deleted, the kept ConfigMap kept, the limit back to the user's
// value), a diff of the release is empty after it, and a second apply
// without the run's record finds every step done. Then a one-step plan in --apply-mode=external
// waits until "the user's pipeline" (Helm's upgrade action run by the
// test when the file changes) has upgraded the release.
func TestHelmPlanUpgradesTheRelease(t *testing.T) {
	ctx := context.Background()
	kubeconfig := os.Getenv("MIMIRCTL_TEST_KUBECONFIG")
	if kubeconfig == "" {
		t.Fatal("MIMIRCTL_TEST_KUBECONFIG is not set: point it at a cluster (make integration starts the local one)")
	}
	ns := fmt.Sprintf("helm-plan-%d", time.Now().UnixNano()%1_000_000)
	tg := mimirctl.NewTarget(plans.FS)
	tg.Kube = kube.Options{Kubeconfig: kubeconfig, Namespace: ns, Timeout: 30 * time.Second}
	tg.Holder = "integration-test"
	c, err := tg.Clients()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Kube.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })

	dir := t.TempDir()
	user := filepath.Join(dir, "user.yaml")
	copyFile(t, "testdata/helmrelease/user.yaml", user)
	overlay := filepath.Join(dir, helmenv.OverlayFile)
	hc := helmConfig(t, kubeconfig, ns)
	ch := installRelease(ctx, t, hc, ns, user)

	chartDir, err := filepath.Abs(helmChart)
	if err != nil {
		t.Fatal(err)
	}
	bind := mimirctl.DefaultBindOptions()
	bind.Helm = mimirctl.HelmOptions{Chart: chartDir, Release: "mimir", Values: []string{user}}
	planDir, err := filepath.Abs("testdata/helmplan")
	if err != nil {
		t.Fatal(err)
	}
	apply := func(planDir string, bind mimirctl.BindOptions) error {
		events := plan.EventFunc(func(e plan.Event) { t.Logf("%s %s %s %s", e.Type, e.Step, e.Action, e.Message) })
		return mimirctl.Apply(ctx, tg, mimirctl.ApplyOptions{Plan: planDir, Bind: bind, Run: plan.ApplyOptions{Yes: true}, Hooks: mimirctl.RunHooks{Events: events}})
	}
	if err := apply(planDir, bind); err != nil {
		t.Fatalf("apply: %v", err)
	}

	// Applied again, with the run's record gone: every step's check finds
	// the file holding its change and the cluster matching the release,
	// so no new revision is made.
	if err := c.Kube.CoreV1().ConfigMaps(ns).Delete(ctx, "mimirctl-state", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := apply(planDir, bind); err != nil {
		t.Fatalf("apply again: %v", err)
	}
	hist, err := action.NewHistory(hc).Run("mimir")
	if err != nil {
		t.Fatal(err)
	}
	var revisions []string
	for _, r := range hist {
		rel := r.(*release.Release)
		revisions = append(revisions, fmt.Sprintf("%d %s %s", rel.Version, rel.Info.Status, rel.Info.Description))
	}
	want := []string{"1 superseded Install complete", "2 superseded mimirctl: plan helm-it, step 1-raise",
		"3 superseded mimirctl: plan helm-it, step 2-drop-zone", "4 deployed mimirctl: plan helm-it, step 3-limits-back"}
	if !reflect.DeepEqual(revisions, want) {
		t.Errorf("helm history:\n%s\nwant:\n%s", strings.Join(revisions, "\n"), strings.Join(want, "\n"))
	}
	if _, err := c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, "mimir-zone-c", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("mimir-zone-c: %v, want it deleted by the upgrade of step 2", err)
	}
	if _, err := c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, "mimir-kept", metav1.GetOptions{}); err != nil {
		t.Errorf("mimir-kept: %v, want it kept (helm.sh/resource-policy: keep)", err)
	}
	runtime, err := c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, "mimir-runtime", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.Data["runtime.yaml"]; !strings.Contains(got, "max_global_series_per_user: 200000") {
		t.Errorf("runtime.yaml after the plan:\n%s\nwant the user's limit 200000 back", got)
	}
	file, err := helmenv.ReadOverlay(overlay)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"zones": []any{"a", "b"}, "kept": false}; !reflect.DeepEqual(file, want) {
		t.Errorf("%s holds %v, want %v", helmenv.OverlayFile, file, want)
	}
	d, err := mimirctl.Diff(ctx, tg, mimirctl.DiffOptions{ApplyMode: "direct", Helm: &mimirctl.HelmOptions{Chart: chartDir, Release: "mimir", Values: []string{user}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(d.Report); len(got) != 0 {
		t.Errorf("diff of the release after the plan: %v, want nothing", got)
	}

	// Helm-only plans are refused for Tanka, with the reason.
	tanka := mimirctl.DefaultBindOptions()
	tanka.Env = dir
	externalPlan, err := filepath.Abs("testdata/helmplan-external")
	if err != nil {
		t.Fatal(err)
	}
	if err := apply(externalPlan, tanka); err == nil || !strings.Contains(err.Error(), "does not run on a tanka environment") {
		t.Errorf("a Helm-only plan with --env: %v, want a refusal", err)
	}

	// --apply-mode=external: the test plays the user's pipeline, which
	// upgrades the release with Helm once the file holds the change.
	bind.ApplyMode = "external"
	bind.ExternalTimeout = 2 * time.Minute
	pipeline := make(chan error, 1)
	go func() {
		for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(200 * time.Millisecond) {
			v, err := helmenv.ReadOverlay(overlay)
			if err != nil {
				pipeline <- err
				return
			}
			if limits, ok := v["limits"].(map[string]any); ok && limits["max_global_series_per_user"] == float64(500000) {
				up := action.NewUpgrade(hc)
				up.Namespace, up.WaitStrategy = ns, helmkube.HookOnlyStrategy
				_, err := up.RunWithContext(ctx, "mimir", ch, helmValues(t, user, overlay))
				pipeline <- err
				return
			}
		}
		pipeline <- fmt.Errorf("%s never held the external plan's change", overlay)
	}()
	if err := apply(externalPlan, bind); err != nil {
		t.Fatalf("apply --apply-mode=external: %v", err)
	}
	if err := <-pipeline; err != nil {
		t.Fatalf("the pipeline's helm upgrade: %v", err)
	}
	runtime, err = c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, "mimir-runtime", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.Data["runtime.yaml"]; !strings.Contains(got, "max_global_series_per_user: 500000") {
		t.Errorf("runtime.yaml after the external plan:\n%s\nwant 500000", got)
	}
	hist, err = action.NewHistory(hc).Run("mimir")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hist); n != 5 {
		t.Errorf("%d revisions after the external plan, want 5 (mimirctl upgraded nothing itself)", n)
	}
}
