//go:build integration

package kvmigrate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/internal/localmimir"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

const settle = 2 * time.Minute

func podOf(p *localmimir.Process, label string) gatetest.Pod {
	return gatetest.Pod{Name: p.Name, Labels: map[string]string{"name": label}, Addr: p.HTTPAddr()}
}

func sel(label string) mimirapi.PodsSpec {
	return mimirapi.PodsSpec{Pods: podaccess.Selector{Labels: "name=" + label}}
}

func strp(s string) *string { return &s }

// TestHATrackerAndMemberlistGatesOnRealDistributors runs two Mimir 3.0.5
// distributors with the HA tracker on memberlist and an HA pair of real
// Prometheus servers; it checks agreement, memberlist keys and a failover.
func TestHATrackerAndMemberlistGatesOnRealDistributors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bucket := t.TempDir()
	ha := []string{"-distributor.ha-tracker.enable=true", "-distributor.ha-tracker.enable-for-all-users=true",
		"-distributor.ha-tracker.update-timeout=1s", "-distributor.ha-tracker.update-timeout-jitter-max=0s", "-distributor.ha-tracker.failover-timeout=3s"}
	a := localmimir.Start(t, localmimir.Options{Major: 3, Name: "distributor-a", Zone: "zone-a", Bucket: bucket, Args: ha})
	b := localmimir.Start(t, localmimir.Options{Major: 3, Name: "distributor-b", Zone: "zone-b", Bucket: bucket, Join: []*localmimir.Process{a}, Args: ha})
	for _, p := range []*localmimir.Process{a, b} {
		if err := p.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deps := gatetest.FakeCluster(t, time.Time{}, podOf(a, "distributor"), podOf(b, "distributor"))
	agree, err := NewHATrackerGate(HATrackerSpec{PodsSpec: mimirapi.PodsSpec{Pods: podaccess.Selector{Labels: "name=distributor"}, MinPods: 2}}, deps)
	if err != nil {
		t.Fatal(err)
	}
	if obs := agree.Evaluate(ctx); obs.Verdict != verdict.Inconclusive {
		t.Fatalf("before any sample nothing is elected: want inconclusive, got %s", obs)
	}
	keys, err := NewMemberlistGate(MemberlistSpec{PodsSpec: sel("distributor"), Keys: []string{"ha-tracker/tenant-1/prom-ha", "collectors/ring"}, Members: intp(2)}, deps)
	if err != nil {
		t.Fatal(err)
	}
	if obs := keys.Evaluate(ctx); obs.Verdict != verdict.Fail || !strings.Contains(strings.Join(obs.Details, "\n"), "no key matches /ha-tracker/tenant-1/prom-ha/") {
		t.Fatalf("no HA key before any sample: %s", obs)
	}

	proms := map[string]*localmimir.Process{}
	for _, r := range []string{"replica-1", "replica-2"} {
		proms[r] = localmimir.StartPrometheus(ctx, t, "prometheus-"+r, fmt.Sprintf(`global:
  scrape_interval: 1s
  external_labels: {cluster: prom-ha, __replica__: %s}
scrape_configs:
  - job_name: mimir
    static_configs: [{targets: [%q]}]
remote_write:
  - url: %s/api/v1/push
    queue_config: {batch_send_deadline: 1s}
`, r, a.HTTPAddr(), localmimir.TenantProxy(t, a, "tenant-1")))
	}
	gatetest.WaitFor(t, keys, verdict.Pass, settle)
	gatetest.WaitFor(t, agree, verdict.Pass, settle)
	first := elected(ctx, t, deps, a)

	if err := proms[first].Stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	localmimir.Eventually(t, settle, "the other replica is elected after the failover timeout", func() string {
		if e := elected(ctx, t, deps, a); e == first {
			return "still " + e
		}
		return ""
	})
	obs := gatetest.WaitFor(t, agree, verdict.Pass, settle)
	t.Logf("after failing over from %s: %s", first, obs)

	config, err := mimirapi.NewConfigGate(mimirapi.ConfigSpec{PodsSpec: sel("distributor"), Key: "distributor.ha_tracker.kvstore.store", Equals: strp("memberlist")}, deps)
	if err != nil {
		t.Fatal(err)
	}
	if obs := config.Evaluate(ctx); obs.Verdict != verdict.Pass {
		t.Fatalf("3.0 defaults the HA tracker KV to memberlist: %s", obs)
	}
}

func elected(ctx context.Context, t *testing.T, deps gate.Deps, p *localmimir.Process) string {
	st, err := mimirapi.FetchHATracker(ctx, deps.Pods, podaccess.Target{Namespace: gatetest.Namespace, Name: p.Name, IP: "127.0.0.1", Port: p.HTTPPort})
	if err != nil || len(st.Elected) == 0 {
		t.Fatalf("HA tracker of %s: %+v, %v", p.Name, st, err)
	}
	return st.Elected[0].Replica
}
