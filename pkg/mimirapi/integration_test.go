//go:build integration

package mimirapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/internal/localmimir"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

const settle = 2 * time.Minute

func podOf(p *localmimir.Process, label string) gatetest.Pod {
	return gatetest.Pod{Name: p.Name, Labels: map[string]string{"name": label}, Addr: p.HTTPAddr()}
}

func sel(label string) PodsSpec { return PodsSpec{Pods: podaccess.Selector{Labels: "name=" + label}} }

// TestVersionAndReadyGatesOnRealBuilds runs a Mimir 2.9.0 and a 3.0.5 (each
// alone) and a 3.0.5 ingester held JOINING.
func TestVersionAndReadyGatesOnRealBuilds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	old := localmimir.Start(t, localmimir.Options{Major: 2, Name: "mimir-2", Zone: "zone-a", Bucket: t.TempDir()})
	cur := localmimir.Start(t, localmimir.Options{Major: 3, Name: "mimir-3", Zone: "zone-a", Bucket: t.TempDir()})
	for _, p := range []*localmimir.Process{old, cur} {
		if err := p.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	joining := localmimir.Start(t, localmimir.Options{Major: 3, Name: "mimir-3-joining", Zone: "zone-b", Bucket: t.TempDir(),
		Args: []string{"-ingester.ring.observe-period=10m"}})
	deps := gatetest.FakeCluster(t, time.Time{}, podOf(old, "v2"), podOf(cur, "v3"), podOf(joining, "joining"))
	version := func(label, rng string) *VersionGate {
		g, err := NewVersionGate(VersionSpec{PodsSpec: sel(label), Supported: rng, Reason: "the plan says so"}, deps)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	cases := []struct {
		label, rng string
		want       verdict.Verdict
		summary    string
	}{
		{"v2", ">=2.0.0 <3.0.0", verdict.Pass, "1/1 pods run a supported version"},
		{"v3", ">=2.0.0 <3.0.0", verdict.Fail, "0/1"},
		{"v2", ">=2.17.0", verdict.Fail, "0/1"},
		{"v3", ">=2.17.0", verdict.Pass, "1/1"},
	}
	for _, c := range cases {
		obs := version(c.label, c.rng).Evaluate(ctx)
		if obs.Verdict != c.want || !strings.Contains(obs.Summary, c.summary) {
			t.Errorf("%s in %s: %s", c.label, c.rng, obs)
		}
	}
	ready := func(label string) *ReadyGate {
		g, err := NewReadyGate(ReadySpec{sel(label)}, deps)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	gatetest.WaitFor(t, ready("v3"), verdict.Pass, settle)
	obs := gatetest.WaitFor(t, ready("joining"), verdict.Fail, settle)
	if !strings.Contains(strings.Join(obs.Details, "\n"), "not ready (503)") {
		t.Fatalf("the JOINING ingester must be reported not ready with Mimir's reason: %s", obs)
	}
	if err := cur.Stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	if obs := ready("v3").Evaluate(ctx); obs.Verdict != verdict.Inconclusive || !strings.Contains(strings.Join(obs.Details, "\n"), "connection refused") {
		t.Fatalf("a stopped process cannot be asked: %s", obs)
	}
}
