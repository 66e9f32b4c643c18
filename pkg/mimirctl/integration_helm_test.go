//go:build integration

package mimirctl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	helmkube "helm.sh/helm/v4/pkg/kube"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

const helmChart = "testdata/helmrelease/chart"

// TestHelmDiffIsWhatHelmUpgradeChanges installs a chart with Helm's own
// install action on a real API server (a real release, stored as Helm
// stores it), then checks mimirctl diff --chart against what Helm's own
// upgrade then does: nothing to change right after the install; with an
// overlay, the ConfigMap it changes, the one it no longer renders
// (deleted by the upgrade) and the one Helm keeps (named, not deleted);
// nothing again after helm upgrade with the overlay last.
func TestHelmDiffIsWhatHelmUpgradeChanges(t *testing.T) {
	ctx := context.Background()
	kubeconfig := os.Getenv("MIMIRCTL_TEST_KUBECONFIG")
	if kubeconfig == "" {
		t.Fatal("MIMIRCTL_TEST_KUBECONFIG is not set: point it at a cluster (make integration starts the local one)")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kube.NewClients(rc, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("helm-it-%d", time.Now().UnixNano()%1_000_000)
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Kube.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	// The release's namespace comes from the Target, as -n gives it.
	c.Namespace = ns
	target := &mimirctl.Target{}
	target.SetClients(c)

	dir := t.TempDir()
	user := filepath.Join(dir, "user.yaml")
	copyFile(t, "testdata/helmrelease/user.yaml", user)
	overlay := filepath.Join(dir, helmenv.OverlayFile)

	hc := helmConfig(t, kubeconfig, ns)
	ch := installRelease(ctx, t, hc, ns, user)

	diffNow := func() *mimirctlDiff {
		t.Helper()
		d, err := mimirctl.Diff(ctx, target, mimirctl.DiffOptions{ApplyMode: "direct", Helm: &mimirctl.HelmOptions{Chart: helmChart, Release: "mimir", Values: []string{user}}})
		if err != nil {
			t.Fatal(err)
		}
		var human strings.Builder
		_ = d.Report.WriteHuman(&human, diff.ColorNever)
		t.Logf("diff:\n%s", human.String())
		return &mimirctlDiff{actions: actions(d.Report), kept: d.Kept}
	}

	if d := diffNow(); len(d.actions) != 0 || len(d.kept) != 0 {
		t.Fatalf("right after helm install: %v, kept %q; want nothing", d.actions, d.kept)
	}

	// The overlay a plan step writes: a raised limit, zone c gone, the
	// kept ConfigMap no longer rendered.
	if err := os.WriteFile(overlay, []byte("limits:\n  max_global_series_per_user: 400000\nzones: [a, b]\nkept: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := diffNow()
	want := []string{"delete ConfigMap " + ns + "/mimir-zone-c", "update ConfigMap " + ns + "/mimir-runtime"}
	if !slices.Equal(d.actions, want) {
		t.Errorf("with the overlay: %v, want %v", d.actions, want)
	}
	if len(d.kept) != 1 || !strings.Contains(d.kept[0], "mimir-kept") || !strings.Contains(d.kept[0], "helm.sh/resource-policy: keep") {
		t.Errorf("kept %q, want the ConfigMap Helm keeps, with the reason", d.kept)
	}
	if _, err := c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, "mimir-zone-c", metav1.GetOptions{}); err != nil {
		t.Errorf("the diff changed the cluster: %v", err)
	}

	// What the user's pipeline runs: helm upgrade -f user.yaml -f
	// mimirctl-values.yaml. Helm then did what the diff said.
	up := action.NewUpgrade(hc)
	up.Namespace, up.WaitStrategy = ns, helmkube.HookOnlyStrategy
	if _, err := up.RunWithContext(ctx, "mimir", ch, helmValues(t, user, overlay)); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	if _, err := c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, "mimir-zone-c", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after helm upgrade, mimir-zone-c: %v, want it deleted as the diff said", err)
	}
	if _, err := c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, "mimir-kept", metav1.GetOptions{}); err != nil {
		t.Errorf("after helm upgrade, mimir-kept: %v, want it kept as the diff said", err)
	}
	if d := diffNow(); len(d.actions) != 0 || len(d.kept) != 0 {
		t.Errorf("after helm upgrade with the overlay: %v, kept %q; want nothing", d.actions, d.kept)
	}
}

type mimirctlDiff struct {
	actions []string
	kept    []string
}

// actions lists a report as "ACTION Kind namespace/name", sorted.
func actions(r *diff.Report) []string {
	var out []string
	for _, o := range r.Objects {
		out = append(out, string(o.Action)+" "+o.Ref.String())
	}
	slices.Sort(out)
	return out
}

// installRelease installs the test chart as release "mimir" in ns with
// Helm's own install action (as `helm install -f user`) and returns the
// chart.
func installRelease(ctx context.Context, t *testing.T, hc *action.Configuration, ns, user string) *chart.Chart {
	t.Helper()
	// The helm binary records its applies under its own name.
	helmkube.ManagedFieldsManager = helmenv.FieldManager
	ch, err := loader.Load(helmChart)
	if err != nil {
		t.Fatal(err)
	}
	in := action.NewInstall(hc)
	in.ReleaseName, in.Namespace, in.WaitStrategy = "mimir", ns, helmkube.HookOnlyStrategy
	if _, err := in.RunWithContext(ctx, ch, helmValues(t, user)); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	return ch
}

// helmConfig is Helm's action configuration for namespace ns of the
// cluster of kubeconfig, releases stored as Secrets (helm's default).
func helmConfig(t *testing.T, kubeconfig, ns string) *action.Configuration {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &kubeconfig, &ns
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, ns, "secret"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// helmValues merges values files as helm's -f does.
func helmValues(t *testing.T, files ...string) map[string]any {
	t.Helper()
	v, err := (&values.Options{ValueFiles: files}).MergeValues(getter.Providers{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
