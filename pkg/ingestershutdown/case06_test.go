package ingestershutdown

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

// case06Foreign is what the refusal must say about the Loki ingester that
// joined the ingester ring through memberlist (testdata/cases/06-...).
const case06Foreign = "ring ingester holds logs-ingester-1 (no zone), which is not a pod of namespace mimir — another cluster's members may have joined this ring"

// TestCase06ForeignMemberlistMembers is shared case 06: another system's
// ingester (ACTIVE, heartbeating, no zone, no pod in the namespace) is in
// the ingester ring. A zone shutdown must refuse before any change, naming
// it, and the same check must stop a run that finds it before the
// scale-down.
func TestCase06ForeignMemberlistMembers(t *testing.T) {
	const c = "06-foreign-memberlist-members"
	t.Run("at preflight", func(t *testing.T) {
		tz := newTestZone(t, nil)
		tz.f.ringPage = caseFile(t, c, "ring-ingester-merged.json")
		err := tz.zone.Apply(context.Background(), tz.p)
		if err == nil || !strings.Contains(err.Error(), case06Foreign) || !strings.Contains(err.Error(), "mimirctl ring ingester --forget logs-ingester-1") {
			t.Fatalf("err = %v, want a refusal naming logs-ingester-1", err)
		}
		if len(tz.f.calls) != 0 {
			t.Fatalf("acted although a foreign instance is in the ring: %v", tz.f.calls)
		}
		// Own instances are matched to their pods: none of them is named.
		if strings.Contains(err.Error(), "ingester-zone-b-0 (zone-b), which is not a pod") {
			t.Errorf("an own ingester is called foreign: %v", err)
		}
	})
	t.Run("before the scale-down", func(t *testing.T) {
		tz := newTestZone(t, nil)
		tz.f.onCall = func(_, what string) {
			if what == "read-only" && tz.f.ringPage == nil {
				tz.f.ringPage = case06RingWithForeign(tz.f.now)
			}
		}
		err := tz.zone.Apply(context.Background(), tz.p)
		if err == nil || !strings.Contains(err.Error(), case06Foreign) || !strings.Contains(err.Error(), "not stopping ingester-zone-a") {
			t.Fatalf("err = %v, want a refusal naming logs-ingester-1", err)
		}
		if len(tz.f.callsTo("scale 0"))+len(tz.f.callsTo("shutdown")) != 0 {
			t.Fatalf("stopped zone-a while a foreign instance is in the ring: %v", tz.f.calls)
		}
	})
	t.Run("an instance id set by hand is matched by its pod IP", func(t *testing.T) {
		tz := newTestZone(t, nil)
		page := case06RingWithForeign(tz.f.now)
		// The fake pods all have IP 127.0.0.1: an instance at that address
		// is a pod of the namespace whatever its id.
		tz.f.ringPage = []byte(strings.Replace(string(page), "10.20.31.7:9095", "127.0.0.1:9095", 1))
		if err := tz.zone.Apply(context.Background(), tz.p); err != nil && strings.Contains(err.Error(), "not a pod of namespace") {
			t.Fatalf("an instance at a pod's IP is called foreign: %v", err)
		}
	})
}

// case06RingWithForeign is the fake's own ring (every ingester ACTIVE) with
// the case's logs-ingester-1 added.
func case06RingWithForeign(now time.Time) []byte {
	return testkit.RingPage(now,
		testkit.RingMember{ID: "ingester-zone-a-0", Address: "10.0.0.1:9095", Zone: "zone-a", Tokens: 1},
		testkit.RingMember{ID: "ingester-zone-a-1", Address: "10.0.0.2:9095", Zone: "zone-a", Tokens: 1},
		testkit.RingMember{ID: "ingester-zone-b-0", Address: "10.0.0.3:9095", Zone: "zone-b", Tokens: 1},
		testkit.RingMember{ID: "ingester-zone-c-0", Address: "10.0.0.4:9095", Zone: "zone-c", Tokens: 1},
		testkit.RingMember{ID: "logs-ingester-1", Address: "10.20.31.7:9095", Tokens: 1},
	)
}
