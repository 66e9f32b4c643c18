//go:build e2e

package suite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/e2e/scenario"
)

// moveToZonesOnHelm is the first part of helmReleaseLosesNoSample: on
// the single-zone release rel (three ingesters and three store-gateways in
// one StatefulSet each, one-minute blocks) under the scenario's writes and
// queries, it moves the release to three zones with the Helm flavour of
// single-zone-to-zone-aware through the release (--chart/--release/-f), the
// zones' OnDelete StatefulSets rolled by the rollout-operator stand-in. The
// run is killed at a random moment and resumed. After the plan the release
// runs the zone StatefulSets only, one pod each, the doubled limits, the
// migration and the shuffle-sharding flags are gone from
// mimirctl-values.yaml (in dir) and the release's diff is empty.
func moveToZonesOnHelm(t *testing.T, ns string, rel *scenario.HelmRelease, dir string) {
	t.Helper()
	// Test-sized least waits: the plan waits what the pods' /config says
	// (one-minute blocks and idle timeout, query_store_after 1m), never
	// less than these.
	planArgs := append([]string{"single-zone-to-zone-aware",
		"-p", "ingesterReplicas=3", "-p", "storeGatewayReplicas=3", "-p", "batchSize=3",
		"-p", "rolloutOperator=false", "-p", "tenant=" + scenario.Tenant,
		"-p", "staleSeriesMinWait=1m", "-p", "queryStoreAfterMinWait=1m", "-p", "zoneShutdownMinDuration=1m"}, rel.Args()...)
	runSingleZoneMove(t, ns, "mimir-", planArgs, rel.Args())
	overlay, err := os.ReadFile(filepath.Join(dir, "mimirctl-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"max_global_series_per_user", "migration", "extraArgs"} {
		if strings.Contains(string(overlay), gone) {
			t.Errorf("mimirctl-values.yaml still holds %s after the plan:\n%s", gone, overlay)
		}
	}
	if d := cli(t, ns, append([]string{"diff"}, rel.Args()...)...); d.code != 0 {
		t.Errorf("diff of the release after the plan: exit %d, want 0 (nothing pending)\n%s", d.code, tail(d.stdout, 40))
	}
}

// runSingleZoneMove previews single-zone-to-zone-aware with planArgs (its
// name, parameters and environment flags), applies it, kills the apply at a
// random moment (killApply), resumes it with envArgs and checks that the
// run is done, that the single-zone StatefulSets prefix+ingester and
// prefix+store-gateway are gone and that each zone StatefulSet runs one
// pod. prefix is "" on Grafana's library, the chart's fullname and a dash
// on Helm.
func runSingleZoneMove(t *testing.T, ns, prefix string, planArgs, envArgs []string) {
	t.Helper()
	plan := cli(t, ns, append([]string{"plan"}, planArgs...)...)
	if plan.code != 0 {
		t.Fatalf("plan single-zone-to-zone-aware on the single-zone cluster: exit %d\n%s", plan.code, tail(plan.stdout, 60))
	}
	lock := killApply(t, ns, append([]string{"apply", "--yes"}, planArgs...))
	if r := cli(t, ns, append([]string{"resume", "--yes", "--force-unlock", lock}, envArgs...)...); r.code != 0 {
		t.Fatalf("resume of single-zone-to-zone-aware: exit %d", r.code)
	}
	assertDone(t, ns, "single-zone-to-zone-aware")

	for _, c := range []string{"ingester", "store-gateway"} {
		if _, err := harness.clients.Kube.AppsV1().StatefulSets(ns).Get(context.Background(), prefix+c, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("StatefulSet %s after the plan: %v, want it deleted", prefix+c, err)
		}
		for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
			if n := replicas(t, ns, prefix+c+"-"+z); n != 1 {
				t.Errorf("%s%s-%s has %d replicas, want 1", prefix, c, z, n)
			}
		}
	}
}
