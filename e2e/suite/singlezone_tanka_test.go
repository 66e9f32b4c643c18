//go:build e2e

package suite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// singleZoneLib turns the e2e environment (Grafana's Mimir 3.0.5 library)
// into the single-zone cluster single-zone-to-zone-aware starts from: one
// ingester and one store-gateway StatefulSet of three pods each (the
// library's default size), allowed on one node (the local cluster has
// one; the library's anti-affinity would leave two pods pending), with
// the test-sized settings behind the plan's waits, read from the pods'
// /config: one-minute blocks, head compaction every 15 s, a one-minute idle
// timeout (Mimir 3: 2h, 15m, 1h; the wait after each batch becomes
// 1m + 1.25 × 1m + 15s) and queriers and query-frontends asking the
// ingesters for the last 2 minutes (Mimir: 13h) and the store-gateways for
// anything older than 1 minute.
const singleZoneLib = `{
  _config+:: {
    multi_zone_ingester_enabled: false,
    multi_zone_store_gateway_enabled: false,
    ingester_allow_multiple_replicas_on_same_node: true,
    store_gateway_allow_multiple_replicas_on_same_node: true,
  },
  ingester_args+:: {
    'blocks-storage.tsdb.block-ranges-period': '1m',
    'blocks-storage.tsdb.head-compaction-interval': '15s',
    'blocks-storage.tsdb.head-compaction-idle-timeout': '1m',
  },
  querier_args+:: { 'querier.query-ingesters-within': '2m' },
  // Mimir refuses a query-ingesters-within not above query-store-after
  // (the frontend's is 12h unless set, as the queriers' is in
  // mimir-e2e.libsonnet).
  query_frontend_args+:: { 'querier.query-ingesters-within': '2m', 'querier.query-store-after': '1m' },
}`

// singleZoneTankaEnv names the variable that runs
// TestSingleZoneToZoneAwareOnGrafanasLibrary (make e2e-single-zone-tanka).
const singleZoneTankaEnv = "MIMIRCTL_E2E_SINGLE_ZONE_TANKA"

// TestSingleZoneToZoneAwareOnGrafanasLibrary deploys Grafana's Mimir 3.0.5
// library single-zone (singleZoneLib) and, under continuous writes and
// queries, moves it to three zones with the Tanka flavour of
// single-zone-to-zone-aware (--env), the zones' OnDelete StatefulSets
// rolled by the rollout-operator stand-in. The run is killed at a random
// moment and resumed. After the plan the single-zone StatefulSets are
// gone, each zone runs one pod, mimirctl.libsonnet holds no migration
// knob, shuffle-sharding flag or doubled limit any more, the environment's
// diff is empty and every acknowledged sample is read back.
//
// It runs only with MIMIRCTL_E2E_SINGLE_ZONE_TANKA=1 (make
// e2e-single-zone-tanka): as a fourth scenario of `make test` it does not
// fit CI's 60-minute budget on 2 cores (README, "End to end").
func TestSingleZoneToZoneAwareOnGrafanasLibrary(t *testing.T) {
	if os.Getenv(singleZoneTankaEnv) != "1" {
		t.Skipf("%s=1 runs it (make e2e-single-zone-tanka): it does not fit CI's budget beside the other scenarios", singleZoneTankaEnv)
	}
	t.Parallel()
	const ns = "e2e-single-zone"
	e := deployGrafanaEnv(t, grafanalib.Mimir305, ns, singleZoneLib)
	gateways(t, ns, map[string]map[string]string{scenario.GatewayWrite: scenario.Name("distributor"), scenario.GatewayRead: scenario.Name("query-frontend")})
	startRolloutController(t, ns)
	tr := startTraffic(t, ns, map[string]map[string]string{"single-zone": nil})
	time.Sleep(30 * time.Second)

	// Test-sized least waits, as on Helm (moveToZonesOnHelm).
	planArgs := []string{"single-zone-to-zone-aware", "--env", e.Dir,
		"-p", "ingesterReplicas=3", "-p", "storeGatewayReplicas=3", "-p", "batchSize=3", "-p", "tenant=" + scenario.Tenant,
		"-p", "staleSeriesMinWait=1m", "-p", "queryStoreAfterMinWait=1m", "-p", "zoneShutdownMinDuration=1m"}
	runSingleZoneMove(t, ns, "", planArgs, []string{"--env", e.Dir})
	overlay, err := os.ReadFile(filepath.Join(e.Dir, tanka.OverlayFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"migration_enabled: true", "replication_write_path_enabled", "replication_read_path_enabled", "shuffle-sharding", "max_global_series_per_user"} {
		if strings.Contains(string(overlay), gone) {
			t.Errorf("%s still holds %s after the plan:\n%s", tanka.OverlayFile, gone, overlay)
		}
	}
	assertConverged(t, ns, e)
	finishTraffic(t, tr)
}
