package engine

import (
	"fmt"
	"strings"
	"testing"
)

// wayBackCluster is a read-write cluster on its way back to microservices:
// 3 mimir-write pods per zone holding 2.4M series each under a 3M
// max_series, and ingestersPerZone microservice ingesters per zone (empty).
func wayBackCluster(t *testing.T, ingestersPerZone int) *Binder {
	t.Helper()
	c := &case11Cluster{series: map[string]float64{}, maxSeries: "3000000", down: map[string]bool{}, noMetric: map[string]bool{}, writers: 3}
	for _, z := range []string{"a", "b", "c"} {
		for i := range 3 {
			c.series[fmt.Sprintf("mimir-write-zone-%s-%d", z, i)] = 2.4e6
		}
		for i := range ingestersPerZone {
			c.series[fmt.Sprintf("ingester-zone-%s-%d", z, i)] = 0
		}
	}
	return c.binder(t)
}

// The way back moves each zone's series from mimir-write to the
// microservice ingesters: 2.1 refuses to bring back fewer ingesters than
// mimir-write pods (ingesterReplicas 3 is one per zone for 3 mimir-write
// pods each holding 2.4M), and each 6.2 refuses to shut a zone's mimir-write
// down onto the ingesters as deployed; both name the fix.
func TestTheWayBackChecksTheIngestersCanTakeEachZone(t *testing.T) {
	params := func(n string) map[string]string {
		return map[string]string{"ingesterReplicas": n, "storeGatewayReplicas": "3"}
	}
	t.Run("2.1 refuses one ingester per zone", func(t *testing.T) {
		checks, _ := capacityChecks(t, wayBackCluster(t, 0), "read-write-to-microservices", params("3"), "2.1-scale-up-write-microservices")
		if len(checks) != 3 {
			t.Fatalf("%d capacity checks in 2.1, want one per zone", len(checks))
		}
		for _, a := range checks {
			got, _ := refusal(t, a)
			for _, want := range []string{"1 ingester-zone-", "pod would replace 3 of mimir-write-zone-", "7.2M series would land on 1 ingester-zone-", "set ingesterReplicas ≥ 9", "Rerun with -p ingesterReplicas=9"} {
				if !strings.Contains(got, want) {
					t.Errorf("refusal %q lacks %q", got, want)
				}
			}
		}
	})
	t.Run("2.1 passes three ingesters per zone", func(t *testing.T) {
		checks, _ := capacityChecks(t, wayBackCluster(t, 0), "read-write-to-microservices", params("9"), "2.1-scale-up-write-microservices")
		for _, a := range checks {
			if got, _ := refusal(t, a); got != "" {
				t.Errorf("ingesterReplicas=9: %s", got)
			}
		}
	})
	t.Run("6.2 refuses the ingesters as deployed", func(t *testing.T) {
		b := wayBackCluster(t, 1)
		for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
			checks, _ := capacityChecks(t, b, "read-write-to-microservices", params("3"), "6.2-shutdown-mimir-write-"+z)
			if len(checks) != 1 {
				t.Fatalf("%s: %d capacity checks, want 1 before the shutdown", z, len(checks))
			}
			got, _ := refusal(t, checks[0])
			if !strings.Contains(got, "raise multi_zone_ingester_replicas to 9") || !strings.Contains(got, "StatefulSet ingester-"+z+" runs 1 pod") {
				t.Errorf("%s: refusal %q does not name the deployed ingesters and the knob", z, got)
			}
		}
	})
}
