//go:build integration

package podmetrics

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/internal/localmimir"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

const settle = 2 * time.Minute

func threshold(v float64) *float64 { return &v }

func newGate(t *testing.T, deps gate.Deps, series string, op gate.Op, v float64) *Gate {
	t.Helper()
	g, err := New(Spec{Pods: podaccess.Selector{Labels: "app=mimir"}, Series: series, Condition: gate.Condition{Op: op, Threshold: threshold(v)}}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func podOf(p *localmimir.Process) gatetest.Pod {
	return gatetest.Pod{Name: p.Name, Labels: map[string]string{"app": "mimir"}, Addr: p.HTTPAddr()}
}

// TestPodMetricGatesScrapeRealPods scrapes two real Mimir 3.0.5 processes and
// follows the ingester ring's member count as one of them leaves.
func TestPodMetricGatesScrapeRealPods(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bucket := t.TempDir()
	a := localmimir.Start(t, localmimir.Options{Major: 3, Name: "ingester-zone-a-0", Zone: "zone-a", Bucket: bucket})
	b := localmimir.Start(t, localmimir.Options{Major: 3, Name: "ingester-zone-b-0", Zone: "zone-b", Bucket: bucket, Join: []*localmimir.Process{a}})
	for _, p := range []*localmimir.Process{a, b} {
		if err := p.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deps := gatetest.FakeCluster(t, time.Time{}, podOf(a), podOf(b))
	twoActive := newGate(t, deps, `cortex_ring_members{name="ingester", state="ACTIVE"}`, gate.OpEQ, 2)
	gatetest.WaitFor(t, twoActive, verdict.Pass, settle)

	if err := b.Stop(time.Minute); err != nil { // unregisters on shutdown
		t.Fatal(err)
	}
	obs := gatetest.WaitFor(t, twoActive, verdict.Fail, settle)
	d := strings.Join(obs.Details, "\n")
	if !strings.Contains(d, `ingester-zone-a-0: every series == 2: 1 of 1 series do not hold`) || !strings.Contains(d, `{name="ingester", state="ACTIVE"}: 1 (want == 2)`) {
		t.Fatalf("a must report one ACTIVE member: %s", obs)
	}
	if !strings.Contains(d, "ingester-zone-b-0: scrape pod") {
		t.Fatalf("the stopped pod must be reported as unreachable: %s", obs)
	}
	gatetest.WaitFor(t, newGate(t, gatetest.FakeCluster(t, time.Time{}, podOf(a)), `cortex_ring_members{name="ingester", state="ACTIVE"}`, gate.OpEQ, 1), verdict.Pass, settle)
}

// TestMultiKVGatesFollowARuntimeSwitch runs a Mimir 3.0.5 whose ingester ring
// uses a multi KV store (etcd primary, memberlist secondary) and switches the
// primary through the runtime configuration, as step 3 of the KV migration
// does; the gates on cortex_multikv_* follow.
func TestMultiKVGatesFollowARuntimeSwitch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, etcd := localmimir.StartEtcd(t)
	p := localmimir.Start(t, localmimir.Options{Major: 3, Name: "distributor-0", Zone: "zone-a", Bucket: t.TempDir(), RuntimeConfig: "overrides: {}\n",
		Args: []string{"-target=distributor,ingester", "-ingester.ring.store=multi", "-ingester.ring.multi.primary=etcd",
			"-ingester.ring.multi.secondary=memberlist", "-ingester.ring.etcd.endpoints=" + etcd}})
	if err := p.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	deps := gatetest.FakeCluster(t, time.Time{}, podOf(p))
	mirrorOn := newGate(t, deps, `cortex_multikv_mirror_enabled{kv_name=~"ingester-.*"}`, gate.OpEQ, 1)
	memberlistPrimary := newGate(t, deps, `cortex_multikv_primary_store{store="memberlist"}`, gate.OpEQ, 1)
	if obs := gatetest.WaitFor(t, mirrorOn, verdict.Fail, settle); !strings.Contains(strings.Join(obs.Details, "\n"), `{kv_name="ingester-lifecycler"}: 0 (want == 1)`) {
		t.Fatalf("mirroring is off at first: %s", obs)
	}
	runtime := filepath.Join(p.Dir, "runtime.yaml")
	if err := os.WriteFile(runtime, []byte("multi_kv_config:\n  mirror_enabled: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gatetest.WaitFor(t, mirrorOn, verdict.Pass, settle)
	if obs := memberlistPrimary.Evaluate(ctx); obs.Verdict != verdict.Fail {
		t.Fatalf("etcd is still the primary: %s", obs)
	}
	if err := os.WriteFile(runtime, []byte("multi_kv_config:\n  mirror_enabled: true\n  primary: memberlist\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gatetest.WaitFor(t, memberlistPrimary, verdict.Pass, settle)
	writes := newGate(t, deps, `cortex_multikv_mirror_writes_total{kv_name="ingester-lifecycler"}`, gate.OpGT, 0)
	gatetest.WaitFor(t, writes, verdict.Pass, settle)
}
