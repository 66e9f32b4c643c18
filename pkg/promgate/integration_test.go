//go:build integration

package promgate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/internal/localmimir"
	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

const settle = 2 * time.Minute

// TestPromQLGatesAgainstRealPrometheusAndMimir runs a Mimir 3.0.5 and a
// Debian Prometheus that scrapes it and remote-writes to it, then judges
// gates through both query APIs while the Mimir runs and after it stops.
func TestPromQLGatesAgainstRealPrometheusAndMimir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	m := localmimir.Start(t, localmimir.Options{Major: 3, Name: "mimir-0", Zone: "zone-a", Bucket: t.TempDir()})
	if err := m.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	prom := localmimir.StartPrometheus(ctx, t, "prometheus", fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: mimir
    static_configs: [{targets: [%q], labels: {pod: mimir-0}}]
remote_write:
  - url: %s/api/v1/push
    queue_config: {batch_send_deadline: 1s}
`, m.HTTPAddr(), localmimir.TenantProxy(t, m, "tenant-1")))

	promAPI := queryAPI(t, Connection{URL: prom.URL("")})
	mimirAPI := queryAPI(t, Connection{URL: m.URL("/prometheus"), Tenant: "tenant-1"})
	otherTenant := queryAPI(t, Connection{URL: m.URL("/prometheus"), Tenant: "tenant-2"})
	upIsOne := gate.Condition{Op: gate.OpEQ, Threshold: thr(1)}
	newGate := func(q Querier, query string, c gate.Condition, hold time.Duration) *Gate {
		g, err := New(Spec{Query: query, Condition: c, For: duration.Duration(hold)}, Deps{API: q, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}

	upProm := newGate(promAPI, `up{job="mimir"}`, upIsOne, 0)
	gatetest.WaitFor(t, upProm, verdict.Pass, settle)
	upMimir := newGate(mimirAPI, `up{job="mimir"}`, upIsOne, 0)
	gatetest.WaitFor(t, upMimir, verdict.Pass, settle) // samples went Prometheus → Mimir → query API

	t.Run("another tenant sees nothing: inconclusive, never a pass", func(t *testing.T) {
		obs := newGate(otherTenant, `up{job="mimir"}`, upIsOne, 0).Evaluate(ctx)
		if obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.Summary, "nothing to compare") {
			t.Fatalf("got %s", obs)
		}
	})
	t.Run("for: the condition must hold for the whole duration", func(t *testing.T) {
		g := newGate(promAPI, `up{job="mimir"}`, upIsOne, 3*time.Second)
		if obs := g.Evaluate(ctx); obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.Summary, "of the required 3s") {
			t.Fatalf("first evaluation: %s", obs)
		}
		time.Sleep(3 * time.Second)
		if obs := g.Evaluate(ctx); obs.Verdict != verdict.Pass {
			t.Fatalf("after 3s: %s", obs)
		}
	})
	t.Run("a resumed hold is checked over the stop with a range query", func(t *testing.T) {
		time.Sleep(6 * time.Second) // data before seen
		seen := time.Now().Add(-5 * time.Second)
		since := seen.Add(-time.Second)
		held := newGate(promAPI, `up{job="mimir"}`, upIsOne, time.Hour)
		if msg := held.ContinueHold(ctx, since, seen); !held.HoldSince().Equal(since) {
			t.Fatalf("up held through the stop, yet: %s", msg)
		}
		broken := newGate(promAPI, `up{job="mimir"}`, gate.Condition{Op: gate.OpEQ, Threshold: thr(2)}, time.Hour)
		if msg := broken.ContinueHold(ctx, since, seen); !broken.HoldSince().IsZero() || !strings.Contains(msg, "did not hold") {
			t.Fatalf("a condition false through the stop: hold since %s, %s", broken.HoldSince(), msg)
		}
	})
	t.Run("a query the server refuses is inconclusive with the server's reason", func(t *testing.T) {
		// The seed's step 3.2 query, verbatim: its regex has stray parentheses.
		seed := `sum by (pod) (rate(cortex_querier_request_duration_seconds_count{job=~".*mimir-read.*))", route=~"(prometheus|api_prom)_api_v1_.+"}[1m]))`
		obs := newGate(promAPI, seed, gate.Condition{Op: gate.OpGT, Threshold: thr(0)}, 0).Evaluate(ctx)
		if obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.Summary, "bad_data") {
			t.Fatalf("got %s", obs)
		}
	})
	t.Run("a sum over the real ring metrics", func(t *testing.T) {
		g := newGate(mimirAPI, `sum(cortex_ring_members{name="ingester", state="ACTIVE"})`, gate.Condition{Of: gate.OfSum, Op: gate.OpGE, Threshold: thr(1)}, 0)
		gatetest.WaitFor(t, g, verdict.Pass, settle)
	})

	if err := m.Stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	obs := gatetest.WaitFor(t, upProm, verdict.Fail, settle)
	if !strings.Contains(strings.Join(obs.Details, "\n"), `pod="mimir-0"`) || !strings.Contains(strings.Join(obs.Details, "\n"), ": 0 (want == 1)") {
		t.Fatalf("the failure must name the stopped target and its value: %s", obs)
	}
	if obs := upMimir.Evaluate(ctx); obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.Summary, "connection refused") {
		t.Fatalf("a stopped Mimir cannot answer: want inconclusive, got %s", obs)
	}
}

func queryAPI(t *testing.T, c Connection) Querier {
	a, err := NewAPI(c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
