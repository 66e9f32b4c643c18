//go:build e2e

package suite

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	retrygo "github.com/avast/retry-go/v4"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/load"
	"github.com/mimirctl/mimirctl/e2e/scenario"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// TestZonesLoseNoSample runs the procedures of ingester zones on the two
// ways users deploy Mimir, one after the other in one of the suite's three
// parallel slots: the zone shutdown on Grafana's jsonnet library, then,
// on one release of its Helm chart, the move from a single zone to three,
// the cluster-label plan and a zone shutdown (helmReleaseLosesNoSample).
// Go starts the suite's parallel tests in no set order, and a Helm
// scenario in a slot of its own could start the read-write round trip or
// the KV scenario, the suite's longest, after it and push the run past
// CI's budget. The jsonnet part took 527 s in CI (2026-12-01); the Helm
// scenarios took 797 s and 1800 s there on two releases, before they
// shared one (each release costs an install, a warm-up and a namespace
// removal of about 4 minutes): the slot must stay no longer than the round
// trip (2887–3678 s in CI, 2026-12-01).
func TestZonesLoseNoSample(t *testing.T) {
	t.Parallel() // each scenario has its own namespace; they share the cluster
	t.Run("grafana-jsonnet", zoneShutdownOnGrafanasLibrary)
	t.Run("helm-chart", helmReleaseLosesNoSample)
}

// zoneShutdownOnGrafanasLibrary replaces two ingester zones of a
// Mimir 3.0.5 cluster deployed from Grafana's jsonnet library (e2e/grafanalib:
// OnDelete zone StatefulSets of rollout group ingester, S3 storage) one
// after the other under continuous writes and queries, with the
// rollout-operator stand-in rolling the zones and, where the API server can
// call this process, its prepare-downscale webhook and zone tracker in the
// way: each zone is shut down with `mimirctl ingester shutdown-zone` (flush
// and ship, scale to 0, leave the ring, wait until its blocks are
// queryable), then scaled back up empty. Every acknowledged sample must
// still be read back.
func zoneShutdownOnGrafanasLibrary(t *testing.T) {
	const ns = "e2e-zones"
	e := deployGrafanaEnv(t, grafanalib.Mimir305, ns, bulkOverrides)
	gateways(t, ns, map[string]map[string]string{scenario.GatewayWrite: scenario.Name("distributor"), scenario.GatewayRead: scenario.Name("query-frontend")})
	startRolloutController(t, ns)
	tr := startTraffic(t, ns, map[string]map[string]string{"zones": nil})
	preloadBulkSeries(t, ns, tr.HTTP)
	ro := startRolloutOperator(t, ns)
	wantPath := string(ingestershutdown.PathReadOnlyShutdown)
	if ro != nil {
		wantPath = string(ingestershutdown.PathFlushThenScale)
		// Grafana's library labels the ingester zones for the
		// prepare-downscale webhook only with ingester_automated_downscale_enabled,
		// which also makes zones b and c follow zone a's replicas (a zone
		// shutdown refuses followers): label them as such an operator would.
		ro.guard(t, time.Minute, "ingester-zone-a", "ingester-zone-b", "ingester-zone-c")
		assertNoZoneTrackerYetRefused(t, ns, e)
		// As the refusal says: record the zones' earlier downscales.
		long := time.Now().Add(-24 * time.Hour)
		ro.setLastDownscaled(t, map[string]time.Time{"ingester-zone-a": long, "ingester-zone-b": long, "ingester-zone-c": long})
	}
	time.Sleep(45 * time.Second)

	plan := cli(t, ns, "ingester", "shutdown-zone", "zone-a", "--plan", "--env", e.Dir, "--tanka-field", "ingester_zone_a_statefulset")
	if plan.code != 0 || !strings.Contains(plan.stdout, wantPath) || !strings.Contains(plan.stdout, "= 1m0s") {
		t.Fatalf("plan of zone-a (exit %d), want the path %q:\n%s", plan.code, wantPath, plan.stdout)
	}

	for i, zone := range []string{"zone-a", "zone-b"} {
		sts := "ingester-" + zone
		field := "ingester_" + strings.ReplaceAll(zone, "-", "_") + "_statefulset"
		// --request-timeout 2s: flush and shutdown calls must not be bounded by it.
		r := cli(t, ns, "ingester", "shutdown-zone", zone, "--env", e.Dir, "--tanka-field", field, "--yes", "--state-name", "zones-"+zone, "--request-timeout", "2s")
		if r.code != 0 {
			t.Fatalf("shutdown of %s: exit %d", zone, r.code)
		}
		if d := longestFlush(t, r.stderr); d <= 2*time.Second {
			t.Errorf("the longest flush of %s took %s, not longer than --request-timeout 2s: add bulk series", zone, d)
		} else {
			t.Logf("the longest flush of %s took %s with --request-timeout 2s", zone, d)
		}
		if r.took < time.Minute {
			t.Errorf("shutdown of %s returned after %s, before the 1m wait for its blocks to be queryable", zone, r.took)
		}
		if ro != nil && !strings.Contains(ro.lastDownscaled(t, sts), time.Now().UTC().Format("2006-01-02")) {
			t.Errorf("the zone tracker did not record the scale-down of %s: %q", sts, ro.lastDownscaled(t, sts))
		}
		annotations := statefulSetAnnotations(t, ns, sts)
		if annotations[ingestershutdown.AnnotationQueryableAt] == "" {
			t.Errorf("%s carries no %s annotation: %v", sts, ingestershutdown.AnnotationQueryableAt, annotations)
		}
		if i == 0 {
			// A colleague starting the next zone right now is refused: zone-a's
			// blocks are queryable already, so bring zone-a back first and
			// check the refusal on a fresh annotation instead.
			assertTooSoonRefused(t, ns, e, sts)
			if ro != nil {
				assertZoneTrackerRefuses(t, ns, e, ro, sts)
			}
		}
		assertConverged(t, ns, e)
		// Bring the zone back, empty: the procedure was a replacement.
		scaleBack(t, ns, e, field)
	}
	time.Sleep(30 * time.Second)
	tr.Stop()
	report(t, tr)
	checkNoLoss(t, tr)
	assertFewRefusals(t, tr)
}

func statefulSetAnnotations(t *testing.T, ns, name string) map[string]string {
	t.Helper()
	sts, err := harness.clients.Kube.AppsV1().StatefulSets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sts.Annotations
}

// assertTooSoonRefused marks zone-a as shut down a moment ago and checks that
// a shutdown of zone-b started now is refused before it changes anything.
func assertTooSoonRefused(t *testing.T, ns string, e *scenario.Env, zoneA string) {
	t.Helper()
	saved := setQueryableAt(t, ns, zoneA, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	assertShutdownRefused(t, ns, e, "zone-b", "zones-too-soon", "was shut down recently")
	setQueryableAt(t, ns, zoneA, saved)
}

// setQueryableAt sets the StatefulSet's AnnotationQueryableAt to value and
// returns the one it replaced, read again after a conflict: the
// StatefulSet controller and the stand-ins write the object too.
func setQueryableAt(t *testing.T, ns, name, value string) (was string) {
	t.Helper()
	ctx := context.Background()
	statefulSets := harness.clients.Kube.AppsV1().StatefulSets(ns)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sts, err := statefulSets.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		was = sts.Annotations[ingestershutdown.AnnotationQueryableAt]
		if sts.Annotations == nil {
			sts.Annotations = map[string]string{}
		}
		sts.Annotations[ingestershutdown.AnnotationQueryableAt] = value
		_, err = statefulSets.Update(ctx, sts, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("set %s of StatefulSet %s: %v", ingestershutdown.AnnotationQueryableAt, name, err)
	}
	return was
}

// assertNoZoneTrackerYetRefused checks that a shutdown is refused before it
// changes anything while rollout-operator's zone tracker has no ConfigMap:
// the webhook's first check would create it with every zone downscaled now
// and refuse the scale-down after the zone was flushed.
func assertNoZoneTrackerYetRefused(t *testing.T, ns string, e *scenario.Env) {
	t.Helper()
	assertShutdownRefused(t, ns, e, "zone-a", "zones-no-tracker", "zone tracker has no ConfigMap")
}

// assertZoneTrackerRefuses records in the zone tracker that zoneA was
// downscaled a moment ago and checks that the next zone is refused before
// it changes anything, naming the zone tracker.
func assertZoneTrackerRefuses(t *testing.T, ns string, e *scenario.Env, ro *rolloutOperator, zoneA string) {
	t.Helper()
	ro.setLastDownscaled(t, map[string]time.Time{zoneA: time.Now()})
	assertShutdownRefused(t, ns, e, "zone-b", "zones-tracker-too-soon", "rollout-operator zone tracker")
	ro.setLastDownscaled(t, map[string]time.Time{zoneA: time.Now().Add(-24 * time.Hour)})
}

// assertShutdownRefused runs a shutdown of zone that must be refused with
// want in its message before it changes anything, then aborts its run
// through the library (what the abort finds is not under test).
func assertShutdownRefused(t *testing.T, ns string, e *scenario.Env, zone, stateName, want string) {
	t.Helper()
	r := cli(t, ns, "ingester", "shutdown-zone", zone, "--env", e.Dir, "--yes", "--state-name", stateName)
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("shutdown of %s: exit %d, want a refusal saying %q", zone, r.code, want)
	}
	if n := replicas(t, ns, "ingester-"+zone); n == 0 {
		t.Errorf("the refused shutdown scaled %s down", zone)
	}
	tg := target(ns)
	tg.StateName = stateName
	if _, err := mimirctl.Abort(context.Background(), tg, mimirctl.AbortOptions{Reason: "aborted by " + e2eUser}); err != nil {
		t.Logf("abort the refused run of %s: %v", stateName, err)
	}
}

func replicas(t *testing.T, ns, name string) int32 {
	t.Helper()
	sts, err := harness.clients.Kube.AppsV1().StatefulSets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *sts.Spec.Replicas
}

// scaleBack removes the zone's replicas override from the overlay file and
// applies the environment again, as an operator replacing the zone would.
func scaleBack(t *testing.T, ns string, e *scenario.Env, field string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	o, err := tanka.ReadOverlay(e.Dir)
	if err != nil {
		t.Fatal(err)
	}
	o.RemoveObject(field)
	if err := e.ApplyOverlay(ctx, harness.clients, o); err != nil {
		t.Fatalf("scale %s back up: %v", field, err)
	}
}

// Bulk series make each ingester's flush take longer than the request
// timeout the shutdowns run with (grafana/mimir#11166 at test size): a
// tenant of their own, with limits that let them in at once.
const (
	bulkTenant    = "e2e-bulk"
	bulkSeries    = 300000
	bulkBatch     = 10000
	bulkOverrides = "{ _config+:: { overrides+: { '" + bulkTenant + "': { ingestion_rate: 10000000, ingestion_burst_size: 10000000, max_global_series_per_user: 0 } } } }"
)

// preloadBulkSeries pushes bulkSeries series of one sample each through
// gateway-write.
func preloadBulkSeries(t *testing.T, ns string, hc *http.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := scenario.ServiceURL(harness.clients, ns, scenario.GatewayWrite, "/api/v1/push")
	start, now := time.Now(), time.Now().UnixMilli()
	for first := 0; first < bulkSeries; first += bulkBatch {
		batch := make([]load.Series, 0, bulkBatch)
		for i := first; i < first+bulkBatch; i++ {
			batch = append(batch, load.Series{Labels: map[string]string{"__name__": "e2e_bulk", "series": strconv.Itoa(i)},
				Samples: []load.Sample{{TimestampMs: now, Value: float64(i)}}})
		}
		// A remote-write client retries a 5xx, a 429 or a timeout with the
		// same samples (Prometheus does); so does this setup, whose pushes
		// are not what the scenario measures.
		retries := 0
		err := retrygo.Do(func() error {
			_, err := load.Push(ctx, hc, url, bulkTenant, batch)
			return err
		}, retrygo.Context(ctx), retrygo.Attempts(6), retrygo.Delay(2*time.Second), retrygo.LastErrorOnly(true),
			retrygo.RetryIf(retryablePush), retrygo.OnRetry(func(n uint, err error) {
				retries++
				t.Logf("push bulk series %d-%d, attempt %d: %v; retrying", first, first+bulkBatch, n+1, err)
			}))
		if err != nil {
			t.Fatalf("push bulk series %d-%d (%d retries): %v", first, first+bulkBatch, retries, err)
		}
	}
	t.Logf("%d bulk series pushed in %s", bulkSeries, time.Since(start).Round(time.Second))
}

// retryablePush reports whether a refused or failed push is worth sending
// again: a server error, a rate limit, or no answer (a timeout, a dropped
// connection; the retries stop when the preload's own context ends); not a
// 4xx, which the same request meets again.
func retryablePush(err error) bool {
	var refused *load.PushError
	if errors.As(err, &refused) {
		return refused.Status >= 500 || refused.Status == http.StatusTooManyRequests
	}
	return true
}

// longestFlush is the longest "flushed in D" that mimirctl reported.
func longestFlush(t *testing.T, stderr string) time.Duration {
	t.Helper()
	var longest time.Duration
	for _, line := range strings.Split(stderr, "\n") {
		_, after, ok := strings.Cut(line, ": flushed in ")
		if !ok {
			continue
		}
		if d, err := time.ParseDuration(strings.TrimSpace(after)); err == nil && d > longest {
			longest = d
		}
	}
	return longest
}
