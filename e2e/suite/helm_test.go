//go:build e2e

package suite

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
)

// helmReleaseLosesNoSample (run by TestZonesLoseNoSample) installs
// Grafana's mimir-distributed chart of the Mimir 3.0.5 module (the commit
// bin/mimir3 is built from) with Helm's own install action, single-zone
// (e2e/helm/values-3x.yaml: subcharts, gateway and Kafka off, S3 on a
// Versity gateway; values-3x-single-zone.yaml: one ingester and one
// store-gateway StatefulSet of three pods, one-minute blocks), and, under
// one run of continuous writes and queries, takes that release through the
// procedures Helm users meet, each through the release
// (--chart/--release/-f): the move to three zones (moveToZonesOnHelm:
// single-zone-to-zone-aware, killed and resumed), memberlist-cluster-label,
// whose three steps are helm upgrades rolling every component (the zones,
// OnDelete, rolled by the rollout-operator stand-in), then the shutdown of
// ingester zone-a with the stand-in's prepare-downscale webhook and zone
// tracker in the way (values-3x-zone-a-free.yaml leaves zone-a without a
// downscale leader or follower). One release serves the three so that the
// suite installs, warms up and removes one Mimir less. Every acknowledged
// sample must be read back, helm history must show one revision per step,
// and the release's diff must be empty after each plan.
func helmReleaseLosesNoSample(t *testing.T) {
	const ns, releaseName = "e2e-helm", "mimir"
	rel, dir := installHelmRelease(t, ns, releaseName, "values-3x.yaml", "values-3x-zone-a-free.yaml", "values-3x-single-zone.yaml")
	startRolloutController(t, ns)
	tr := startTraffic(t, ns, map[string]map[string]string{"helm": nil})
	time.Sleep(30 * time.Second)

	moveToZonesOnHelm(t, ns, rel, dir)

	// memberlist-cluster-label: three helm upgrades, each rolling every
	// member (the Mimir configuration is in every pod template's checksum).
	r := cli(t, ns, append([]string{"apply", "memberlist-cluster-label", "-p", "label=e2e-helm.mimir", "--yes"}, rel.Args()...)...)
	if r.code != 0 {
		t.Fatalf("apply memberlist-cluster-label on the Helm release: exit %d", r.code)
	}
	assertDone(t, ns, "memberlist-cluster-label")
	assertHelmHistory(t, ns, releaseName, "single-zone-to-zone-aware", []string{
		"superseded mimirctl: plan memberlist-cluster-label, step 1-verification-off",
		"superseded mimirctl: plan memberlist-cluster-label, step 2-set-label",
		"deployed mimirctl: plan memberlist-cluster-label, step 3-verification-on",
	})
	if d := cli(t, ns, append([]string{"diff"}, rel.Args()...)...); d.code != 0 {
		t.Errorf("diff of the release after the plan: exit %d, want 0 (nothing pending)\n%s", d.code, tail(d.stdout, 40))
	}

	// Zone shutdown of zone-a, rollout-operator's prepare-downscale webhook
	// and zone tracker in the way where the API server can call this
	// process. The chart labels the zones for it (prepare-downscale,
	// min-time-between-zones-downscale 1m in the values).
	ro := startRolloutOperator(t, ns)
	wantPath := string(ingestershutdown.PathReadOnlyShutdown)
	if ro != nil {
		wantPath = string(ingestershutdown.PathFlushThenScale)
		long := time.Now().Add(-24 * time.Hour)
		ro.setLastDownscaled(t, map[string]time.Time{"mimir-ingester-zone-a": long, "mimir-ingester-zone-b": long, "mimir-ingester-zone-c": long})
	}
	const sts = "mimir-ingester-zone-a"
	shutdown := append([]string{"ingester", "shutdown-zone", "zone-a", "--statefulset", sts}, rel.Args()...)
	p := cli(t, ns, append(shutdown, "--plan")...)
	if p.code != 0 || !strings.Contains(p.stdout, wantPath) {
		t.Fatalf("plan of the zone-a shutdown (exit %d), want the path %q:\n%s", p.code, wantPath, p.stdout)
	}
	r = cli(t, ns, append(shutdown, "--yes", "--state-name", "helm-zone-a")...)
	if r.code != 0 {
		t.Fatalf("shutdown of zone-a on the Helm release: exit %d", r.code)
	}
	if n := replicas(t, ns, sts); n != 0 {
		t.Errorf("%s has %d replicas after the shutdown, want 0", sts, n)
	}
	if statefulSetAnnotations(t, ns, sts)[ingestershutdown.AnnotationQueryableAt] == "" {
		t.Errorf("%s carries no %s annotation", sts, ingestershutdown.AnnotationQueryableAt)
	}
	if ro != nil && !strings.Contains(ro.lastDownscaled(t, sts), time.Now().UTC().Format("2006-01-02")) {
		t.Errorf("the zone tracker did not record the scale-down of %s: %q", sts, ro.lastDownscaled(t, sts))
	}
	// Bring the zone back, empty, as the release says (1 per zone): the
	// procedure was a replacement.
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: sts, Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: 1}}
	if _, err := harness.clients.Kube.AppsV1().StatefulSets(ns).UpdateScale(context.Background(), sts, scale, metav1.UpdateOptions{FieldManager: "e2e-operator"}); err != nil {
		t.Fatalf("scale %s back to 1: %v", sts, err)
	}
	finishTraffic(t, tr)
}

// installHelmRelease installs Grafana's chart of the Mimir 3.0.5 module as
// release name in namespace ns (dropped when the test ends) with the
// values files of e2e/helm, and routes the write and read gateways to its
// distributors and query-frontends. mimirctl writes mimirctl-values.yaml
// beside the last values file: the files are copies in dir, so that a run
// writes nothing into the repository.
func installHelmRelease(t *testing.T, ns, name string, files ...string) (rel *scenario.HelmRelease, dir string) {
	t.Helper()
	dir = t.TempDir()
	var valuesFiles []string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(moduleRoot(t), "e2e", "helm", f))
		if err != nil {
			t.Fatal(err)
		}
		valuesFiles = append(valuesFiles, filepath.Join(dir, f))
		if err := os.WriteFile(valuesFiles[len(valuesFiles)-1], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	rel, err := scenario.InstallHelm(ctx, harness.clients, harness.kubeconfig, grafanalib.Mimir305, ns, name, valuesFiles...)
	cancel()
	t.Cleanup(func() { dropNamespace(t, ns) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Grafana's chart (Mimir %s module) installed as release %s in namespace %s with %s, ready after %s (%d objects)",
		grafanalib.Mimir305.Name, name, ns, strings.Join(files, ", "), rel.Took.Round(time.Second), rel.Objects)
	component := func(c string) map[string]string { return map[string]string{"app.kubernetes.io/component": c} }
	gateways(t, ns, map[string]map[string]string{scenario.GatewayWrite: component("distributor"), scenario.GatewayRead: component("query-frontend")})
	return rel, dir
}

// assertHelmHistory checks the release's revisions as `helm history`
// prints them ("REVISION STATUS DESCRIPTION"): the install, then only
// revisions of the steps of plan first (any status), then, last, the
// revisions want ("STATUS DESCRIPTION", oldest first). An upgrade keeps
// the last helmenv.MaxHistory revisions (as helm upgrade's --history-max),
// so the oldest may be gone: those kept must be consecutive and as many as
// that allows.
func assertHelmHistory(t *testing.T, ns, name, first string, want []string) {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &harness.kubeconfig, ptr(ns)
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, ns, "secret"); err != nil {
		t.Fatal(err)
	}
	hist, err := action.NewHistory(cfg).Run(name)
	if err != nil {
		t.Fatalf("helm history %s: %v", name, err)
	}
	var rels []*release.Release
	for _, h := range hist {
		r, ok := h.(*release.Release)
		if !ok {
			t.Fatalf("helm history returned a %T", h)
		}
		rels = append(rels, r)
	}
	// The history action returns the revisions in storage order (v1, v10,
	// v11, ..., v2): sort them as `helm history` prints them.
	slices.SortFunc(rels, func(a, b *release.Release) int { return cmp.Compare(a.Version, b.Version) })
	var got []string
	for _, r := range rels {
		got = append(got, fmt.Sprintf("%d %s %s", r.Version, r.Info.Status, r.Info.Description))
	}
	ok := len(rels) > len(want)
	if ok {
		last := rels[len(rels)-1].Version
		ok = len(rels) == min(last, helmenv.MaxHistory)
		for i, r := range rels {
			ok = ok && r.Version == last-len(rels)+1+i
			switch {
			case !ok:
			case i >= len(rels)-len(want):
				ok = got[i] == fmt.Sprintf("%d %s", r.Version, want[i-(len(rels)-len(want))])
			case r.Version == 1:
				ok = got[i] == "1 superseded Install complete"
			default: // any status: the killed run may have left a revision failed
				ok = strings.HasPrefix(r.Info.Description, "mimirctl: plan "+first+", step ")
			}
		}
	}
	if !ok {
		t.Errorf("helm history of %s:\n%s\nwant the install, revisions of plan %s, then the following, the last %d kept:\n%s",
			name, strings.Join(got, "\n"), first, helmenv.MaxHistory, strings.Join(want, "\n"))
	}
}
