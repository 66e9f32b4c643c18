package ingestershutdown

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

func headCompaction(tz *testZone, force bool) *HeadCompaction {
	spec := &HeadCompactionSpec{Pods: podaccess.Selector{Labels: "name in (ingester-zone-a, ingester-zone-b)"}}
	for pod := range tz.f.members {
		tz.f.configs[pod] = map[string]string{mimir.KeyBlockRanges: "[2h0m0s]", mimir.KeyHeadCompactIdle: "1h0m0s", mimir.KeyHeadCompactEvery: "1m0s", mimir.KeyShipInterval: "1m0s"}
	}
	return NewHeadCompaction(spec, tz.zone.d, force)
}

func TestHeadCompactionWaitsForEveryTenantHeadToBeCompactedAndShipped(t *testing.T) {
	tz := newTestZone(t, nil)
	h := headCompaction(tz, false)
	polls := 0
	tz.p.onSleep = func(time.Duration) {
		polls++
		tz.clock.Advance(10 * time.Minute)
		tz.f.mu.Lock()
		defer tz.f.mu.Unlock()
		switch polls {
		case 3: // zone-a-0 compacts one of its two tenants
			tz.f.members["ingester-zone-a-0"].compactions++
		case 6: // everything compacts and ships
			for _, in := range tz.f.members {
				tz.f.flush(in)
			}
		}
	}
	if err := h.Apply(context.Background(), tz.p); err != nil {
		t.Fatal(err)
	}
	if polls != 6 {
		t.Errorf("passed after %d polls, want 6", polls)
	}
	if !strings.Contains(strings.Join(tz.p.reports, "\n"), "ingester-zone-a-0: 1 of 2 tenant heads compacted") {
		t.Errorf("reports = %v", tz.p.reports)
	}
	if len(tz.f.callsTo("flush")) != 0 {
		t.Error("flushed without --force-flush")
	}
}

func TestHeadCompactionIsBoundedByTheBlockRange(t *testing.T) {
	tz := newTestZone(t, nil)
	h := headCompaction(tz, false)
	err := h.Apply(context.Background(), tz.p)
	// 1.5 × 2h block range + 2 × 1m compaction interval + 1m ship interval.
	if err == nil || !strings.Contains(err.Error(), "no complete head compaction within 3h3m0s") || !strings.Contains(err.Error(), "--force-flush") {
		t.Fatalf("err = %v", err)
	}
}

func TestForceFlushFlushesEveryIngesterOnce(t *testing.T) {
	tz := newTestZone(t, nil)
	h := headCompaction(tz, true)
	if err := h.Apply(context.Background(), tz.p); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tz.f.callsTo("flush"), ","); got != "ingester-zone-a-0,ingester-zone-a-1,ingester-zone-b-0" {
		t.Errorf("flushed %s", got)
	}
	if err := h.Apply(context.Background(), tz.p); err != nil || len(tz.f.callsTo("flush")) != 3 {
		t.Errorf("a resumed apply flushed again: %v %v", err, tz.f.calls)
	}
}

func TestAForcedFlushIsNotCutByTheRequestTimeout(t *testing.T) {
	t.Parallel() // seconds of real-time slow calls, each test on its own fakes
	tz := newTestZone(t, nil)
	tz.zone.d.Pods = podaccess.NewDirect(&http.Client{Timeout: case02RequestTimeout})
	tz.f.slow["ingester-zone-a-1"] = 3 * case02RequestTimeout
	h := headCompaction(tz, true)
	if err := h.Apply(context.Background(), tz.p); err != nil {
		t.Fatal(err)
	}
	if got := len(tz.f.callsTo("flush")); got != 3 {
		t.Errorf("flushed %d times", got)
	}
}

// The wait for head compactions (up to 1.5 block ranges, hours) polls
// through the run's clock: a maintenance window that ends in it stops it
// there, and the next window's run waits for what is still missing.
func TestAWindowEndingInTheHeadCompactionWaitLeavesItResumable(t *testing.T) {
	tz := newTestZone(t, nil)
	h := headCompaction(tz, false)
	polls := 0
	tz.p.onSleep = func(time.Duration) {
		polls++
		tz.clock.Advance(10 * time.Minute)
		tz.f.mu.Lock()
		defer tz.f.mu.Unlock()
		if polls == 5 { // everything compacts and ships, in the next window
			for _, in := range tz.f.members {
				tz.f.flush(in)
			}
		}
	}
	tz.p.windowAt = 3
	var wc *plan.WindowClosedError
	if err := h.Apply(context.Background(), tz.p); !errors.As(err, &wc) {
		t.Fatalf("first window: %v, want the window to close during the wait", err)
	}
	tz.p.windowAt = 0
	if err := h.Apply(context.Background(), tz.p); err != nil {
		t.Fatalf("next window: %v", err)
	}
	if polls != 5 || len(tz.f.callsTo("flush")) != 0 {
		t.Errorf("passed after %d polls with %d flush calls, want 5 and none", polls, len(tz.f.callsTo("flush")))
	}
}
