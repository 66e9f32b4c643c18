package mimir

import (
	"slices"
	"testing"
)

// TestRingPodSelectorFindsPodsInEitherDeploymentMode pins the selectors
// `mimirctl ring` used before the facts moved here (cli's defaultRingPods).
func TestRingPodSelectorFindsPodsInEitherDeploymentMode(t *testing.T) {
	want := map[string]string{
		"ingester":           "name in (distributor, ingester-zone-a, ingester-zone-b, ingester-zone-c, ingester, mimir-write-zone-a, mimir-write-zone-b, mimir-write-zone-c)",
		"distributor":        "name in (distributor, mimir-write-zone-a, mimir-write-zone-b, mimir-write-zone-c)",
		"store-gateway":      "name in (store-gateway-zone-a, store-gateway-zone-b, store-gateway-zone-c, store-gateway, mimir-backend-zone-a, mimir-backend-zone-b, mimir-backend-zone-c)",
		"compactor":          "name in (compactor, mimir-backend-zone-a, mimir-backend-zone-b, mimir-backend-zone-c)",
		"ruler":              "name in (ruler, mimir-backend-zone-a, mimir-backend-zone-b, mimir-backend-zone-c)",
		"query-scheduler":    "name in (query-scheduler, mimir-backend-zone-a, mimir-backend-zone-b, mimir-backend-zone-c)",
		"overrides-exporter": "name in (overrides-exporter, mimir-backend-zone-a, mimir-backend-zone-b, mimir-backend-zone-c)",
		"alertmanager":       "name in (alertmanager, mimir-backend-zone-a, mimir-backend-zone-b, mimir-backend-zone-c)",
		"querier":            "name in (querier, mimir-read)",
	}
	for ring, sel := range want {
		if got := RingPodSelector(ring); got != sel {
			t.Errorf("RingPodSelector(%q) = %q, want %q", ring, got, sel)
		}
	}
	if got := RingPodSelector("no-such-ring"); got != "" {
		t.Errorf("unknown ring: %q, want empty", got)
	}
}

func TestEveryRingHasAPageAndWorkloadsInEachMode(t *testing.T) {
	for ring := range RingPaths {
		for _, mode := range DeploymentModes {
			if len(RingWorkloads(ring, mode)) == 0 {
				t.Errorf("ring %s: no workloads in %s mode", ring, mode)
			}
		}
	}
	for ring := range ringWorkloads {
		if _, ok := RingPaths[ring]; !ok {
			t.Errorf("ring %s has workloads but no page in RingPaths", ring)
		}
	}
	if !slices.IsSorted(RingNames()) || len(RingNames()) != len(RingPaths) {
		t.Errorf("RingNames() = %v", RingNames())
	}
}

func TestRingWorkloadsReturnsACopy(t *testing.T) {
	w := RingWorkloads("querier", ReadWrite)
	w[0] = "changed"
	if got := RingWorkloads("querier", ReadWrite); got[0] != "mimir-read" {
		t.Errorf("RingWorkloads shares its slice: %v", got)
	}
}
