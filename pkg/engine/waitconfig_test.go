package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// configServer answers /config with the TSDB settings given, as Mimir prints
// them.
func configServer(t *testing.T, blockRange, idleTimeout string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/config" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "blocks_storage:\n  tsdb:\n    block_ranges_period:\n    - %s\n    head_compaction_idle_timeout: %s\n", blockRange, idleTimeout)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func batchWaitStep() *plan.Step {
	return &plan.Step{ID: "2.1-ingesters-batch-1", Wait: &plan.Wait{Duration: duration.Duration(3 * time.Hour),
		FromConfig: &plan.WaitFromConfig{Pods: podaccess.Selector{Labels: "rollout-group=ingester"},
			Keys: []string{"blocks_storage.tsdb.block_ranges_period[0]", "blocks_storage.tsdb.head_compaction_idle_timeout"}}}}
}

// TestMeasureWaitAddsTheLargestSettings: the batch wait of the zone-aware
// migration is the block range plus the head compaction idle timeout, each
// at its largest over the ingesters; a selected pod that cannot answer
// fails the measurement instead of being left out.
func TestMeasureWaitAddsTheLargestSettings(t *testing.T) {
	labels := map[string]string{"rollout-group": "ingester"}
	pods := []gatetest.Pod{
		{Name: "ingester-zone-a-0", Labels: labels, Server: configServer(t, "2h0m0s", "1h0m0s")},
		{Name: "ingester-zone-b-0", Labels: labels, Server: configServer(t, "2h0m0s", "1h30m0s")},
		{Name: "distributor-0", Labels: map[string]string{"name": "distributor"}, Server: configServer(t, "24h0m0s", "24h0m0s")},
	}
	gd := gatetest.FakeCluster(t, time.Time{}, pods...)
	b := NewBinder(Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods})
	d, how, err := b.MeasureWait(context.Background(), nil, batchWaitStep())
	if err != nil {
		t.Fatal(err)
	}
	if d != 3*time.Hour+30*time.Minute || !strings.Contains(how, "1h30m0s [ingester-zone-b-0") {
		t.Errorf("measured %s (%s), want 2h + 1h30m from ingester-zone-b-0", d, how)
	}

	// A factor stretches its key: Mimir adds up to 25% jitter to the idle
	// timeout.
	s := batchWaitStep()
	s.Wait.FromConfig.Factors = map[string]float64{"blocks_storage.tsdb.head_compaction_idle_timeout": 1.25}
	d, how, err = b.MeasureWait(context.Background(), nil, s)
	if err != nil {
		t.Fatal(err)
	}
	if d != 3*time.Hour+52*time.Minute+30*time.Second || !strings.Contains(how, "1.25 × 1h30m0s [ingester-zone-b-0") {
		t.Errorf("measured %s (%s), want 2h + 1.25 × 1h30m from ingester-zone-b-0", d, how)
	}

	// An ingester that is not running could hold the largest value.
	pods = append(pods, gatetest.Pod{Name: "ingester-zone-c-0", Labels: labels})
	gd = gatetest.FakeCluster(t, time.Time{}, pods...)
	b = NewBinder(Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods})
	if _, _, err := b.MeasureWait(context.Background(), nil, batchWaitStep()); err == nil || !strings.Contains(err.Error(), "ingester-zone-c-0") {
		t.Errorf("err = %v, want the pod that cannot be read named", err)
	}

	// A setting that is not there is an error, not a zero.
	s = batchWaitStep()
	s.Wait.FromConfig.Keys = []string{"querier.query_store_after"}
	gd = gatetest.FakeCluster(t, time.Time{}, pods[:2]...)
	b = NewBinder(Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods})
	if _, _, err := b.MeasureWait(context.Background(), nil, s); err == nil || !strings.Contains(err.Error(), "query_store_after") {
		t.Errorf("err = %v, want the missing key named", err)
	}
}
