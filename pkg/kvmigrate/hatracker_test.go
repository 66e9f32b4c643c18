package kvmigrate

import (
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func TestHATrackerGate(t *testing.T) {
	page := func(file string) map[string]gatetest.Route {
		return map[string]gatetest.Route{mimir.PathHATracker: capturedPage(file)}
	}
	a2, b2 := page("mimir-2.9.0/ha_tracker-mimir-write-zone-a-0.json"), page("mimir-2.9.0/ha_tracker-mimir-write-zone-b-0.json")
	a3, b3 := page("mimir-3.0.5/ha_tracker-ingester-zone-a-0.json"), page("mimir-3.0.5/ha_tracker-ingester-zone-b-0.json")
	failedOver := map[string]gatetest.Route{mimir.PathHATracker: {Body: `{"elected":[{"userID":"tenant-1","cluster":"prom-ha","replica":"replica-2"},{"userID":"tenant-2","cluster":"prom-ha","replica":"replica-1"}],"now":"2026-11-23T14:00:00Z"}`}}
	partial := map[string]gatetest.Route{mimir.PathHATracker: {Body: `{"elected":[{"userID":"tenant-1","cluster":"prom-ha","replica":"replica-1"}],"now":"2026-11-23T14:00:00Z"}`}}
	empty := map[string]gatetest.Route{mimir.PathHATracker: {Body: `{"elected":null,"now":"2026-11-23T14:00:00Z"}`}}
	tests := []struct {
		name            string
		spec            HATrackerSpec
		pods            gatetest.PodsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"two 2.9.0 distributors (etcd) agree", HATrackerSpec{PodsSpec: distributors}, gatetest.Pods(gatetest.Distributor("d-0", a2), gatetest.Distributor("d-1", b2)), verdict.Pass, "2 of 2 HA clusters agree across 2 distributors", ""},
		{"two 3.0.5 distributors (memberlist) agree", HATrackerSpec{PodsSpec: distributors}, gatetest.Pods(gatetest.Distributor("d-0", a3), gatetest.Distributor("d-1", b3)), verdict.Pass, "2 of 2", ""},
		{"a distributor that elected another replica is named", HATrackerSpec{PodsSpec: distributors}, gatetest.Pods(gatetest.Distributor("d-0", a3), gatetest.Distributor("d-1", failedOver)),
			verdict.Fail, "1 of 2", "tenant-1/prom-ha: distributors disagree: replica-1 on d-0; replica-2 on d-1"},
		{"a distributor that does not know a cluster disagrees", HATrackerSpec{PodsSpec: distributors}, gatetest.Pods(gatetest.Distributor("d-0", a3), gatetest.Distributor("d-1", partial)),
			verdict.Fail, "", "tenant-2/prom-ha: distributors disagree: (none) on d-1; replica-1 on d-0"},
		{"filters narrow the clusters compared", HATrackerSpec{PodsSpec: distributors, Tenants: "tenant-2"}, gatetest.Pods(gatetest.Distributor("d-0", a3), gatetest.Distributor("d-1", failedOver)),
			verdict.Pass, "1 of 1", ""},
		{"nothing elected anywhere is inconclusive, not agreement", HATrackerSpec{PodsSpec: distributors}, gatetest.Pods(gatetest.Distributor("d-0", empty), gatetest.Distributor("d-1", empty)),
			verdict.Inconclusive, "0 HA clusters elected across 2 distributors", ""},
		{"an unreadable distributor makes agreement inconclusive", HATrackerSpec{PodsSpec: distributors}, gatetest.Pods(gatetest.Distributor("d-0", a3), gatetest.Distributor("d-1", map[string]gatetest.Route{})),
			verdict.Inconclusive, "1 distributors could not be read", "is the HA tracker enabled on this distributor?"},
		{"a distributor that is not running makes agreement inconclusive", HATrackerSpec{PodsSpec: distributors}, gatetest.Pods(gatetest.Distributor("d-0", a3), gatetest.PendingDistributor("d-1")),
			verdict.Inconclusive, "", "d-1: phase Pending"},
		{"fewer distributors than minPods fail", HATrackerSpec{PodsSpec: mimirapi.PodsSpec{Pods: distributors.Pods, MinPods: 3}}, gatetest.Pods(gatetest.Distributor("d-0", a3)),
			verdict.Fail, "1 distributors selected, want at least 3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewHATrackerGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			gatetest.AssertObservation(t, gatetest.Evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}
