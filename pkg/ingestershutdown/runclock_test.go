package ingestershutdown

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

// Inside Apply, the zone shutdown reads the time from the run (its
// plan.Progress), never from Deps.Now: with Deps.Now frozen, the wait for
// the zone's pods to stop still ends at its timeout on the run's clock.
func TestAZoneShutdownWaitsOnTheRunsClockAlone(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.fc.slowStop = 1 << 30 // the pods never go
	frozen, reads := tz.clock.Now(), 0
	tz.zone.d.Now = func() time.Time { reads++; return frozen }
	start := tz.clock.Now()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.HangBound)
	defer cancel()
	err := tz.zone.Apply(ctx, tz.p)
	if err == nil || !strings.Contains(err.Error(), "ingester-zone-a did not stop within") {
		t.Fatalf("err = %v, want the stop wait's timeout", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the wait ran on the wall clock")
	}
	if ran := tz.clock.Now().Sub(start); ran <= 0 {
		t.Errorf("the run's clock moved %s", ran)
	}
	if reads != 0 {
		t.Errorf("Apply read Deps.Now %d times", reads)
	}
}
