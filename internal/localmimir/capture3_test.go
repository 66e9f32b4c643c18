//go:build capture

package localmimir

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// TestCaptureMimir3 runs two Mimir 3.0.5 single-binary processes (zones a
// and b, HA tracker on memberlist, the 3.0 default) with an HA pair of
// Prometheus writing to them, saves what the endpoints answer, then walks the
// ingester ring through read-only, JOINING, LEAVING and UNHEALTHY.
func TestCaptureMimir3(t *testing.T) {
	s := newSaver(t, "3.0.5")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bucket := t.TempDir()
	args := []string{
		"-target=all,alertmanager,overrides-exporter", "-overrides-exporter.ring.enabled=true",
		"-query-scheduler.service-discovery-mode=ring", "-ingester.ring.heartbeat-timeout=15s",
		"-distributor.ha-tracker.enable=true", "-distributor.ha-tracker.enable-for-all-users=true",
		"-distributor.ha-tracker.update-timeout=1s", "-distributor.ha-tracker.update-timeout-jitter-max=0s",
		"-distributor.ha-tracker.failover-timeout=2s",
	}
	a := Start(t, Options{Major: 3, Name: "ingester-zone-a-0", Zone: "zone-a", Bucket: bucket,
		RuntimeConfig: "overrides:\n  tenant-1:\n    ingestion_rate: 50000\n", Args: args})
	b := Start(t, Options{Major: 3, Name: "ingester-zone-b-0", Zone: "zone-b", Bucket: bucket, Join: []*Process{a},
		Args: append([]string{"-ingester.ring.unregister-on-shutdown=false"}, args...)})
	for _, p := range []*Process{a, b} {
		if err := p.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	active := map[string]string{"ingester-zone-a-0": "ACTIVE", "ingester-zone-b-0": "ACTIVE"}
	wantRing(t, a, mimir.PathIngesterRing, active)
	wantRing(t, b, mimir.PathStoreGatewayRing, active)
	wantRing(t, a, mimir.PathQuerySchedulerRing, active)
	startHAPair(ctx, t, a, b)
	Eventually(t, waitLong, "HA tracker keys reached both distributors", func() string {
		for _, p := range []*Process{a, b} {
			_, body := p.Fetch(t, mimir.PathHATracker, AcceptJSON)
			if strings.Count(string(body), `"cluster":"prom-ha"`) < 2 {
				return p.Name + ": " + trimmed(body)
			}
		}
		return ""
	})

	captureRingMatrix(t, s, []*Process{a, b})
	s.fetchSave(a, "ringcheck", "ring-ingester-active.json", mimir.PathIngesterRing, AcceptJSON, 200)
	s.fetchSave(a, "ringcheck", "ring-ingester.html", mimir.PathIngesterRing, "", 200)
	for _, p := range []*Process{a, b} {
		s.fetchSave(p, "mimirapi", "ha_tracker-"+p.Name+".json", mimir.PathHATracker, AcceptJSON, 200)
	}
	s.fetchSave(a, "mimirapi", "buildinfo.json", mimir.PathBuildInfo, "", 200)
	s.fetchSave(a, "mimirapi", "ready.txt", mimir.PathReady, "", 200)
	s.fetchSave(a, "mimirapi", "config.yaml", mimir.PathConfig, "", 200)
	s.fetchSave(a, "mimirapi", "runtime_config.yaml", mimir.PathRuntimeConfig, "", 200)
	s.fetchSave(b, "mimirapi", "runtime_config-none-404.txt", mimir.PathRuntimeConfig, "", 404)
	s.fetchSave(a, "mimirapi", "memberlist.json", mimir.PathMemberlist, AcceptJSON, 200)
	s.fetchSave(a, "mimirapi", "prepare-instance-ring-downscale-get.json", mimir.PathPrepareRingDownscale, "", 200)
	s.fetchSave(a, "podmetrics", "metrics-all.txt", mimir.PathMetrics, "", 200)

	post(t, b, mimir.PathPrepareRingDownscale)
	Eventually(t, waitLong, "ingester-zone-b-0 read-only on a's ring page", func() string {
		_, body := a.Fetch(t, mimir.PathIngesterRing, AcceptJSON)
		if !strings.Contains(string(body), `"read_only":true`) {
			return "not read-only yet"
		}
		return ""
	})
	s.fetchSave(a, "ringcheck", "ring-ingester-read-only.json", mimir.PathIngesterRing, AcceptJSON, 200)
	captureStates3(ctx, t, s, bucket, a, b, args)
	s.writeLog("capture-3.0.5.txt")
}

func post(t *testing.T, p *Process, path string) {
	t.Helper()
	resp, err := http.Post(p.URL(path), "", nil)
	if err != nil {
		t.Fatalf("POST %s on %s: %v", path, p.Name, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s on %s: status %d", path, p.Name, resp.StatusCode)
	}
}

// captureStates3 adds a JOINING instance, stops b (which keeps its entry as
// LEAVING, then UNHEALTHY) and saves each picture.
func captureStates3(ctx context.Context, t *testing.T, s *saver, bucket string, a, b *Process, args []string) {
	joining := Start(t, Options{Major: 3, Name: "ingester-zone-c-0", Zone: "zone-c", Bucket: bucket, Join: []*Process{a},
		Args: append(append([]string{}, args...), "-ingester.ring.observe-period=10m")})
	wantRing(t, a, mimir.PathIngesterRing, map[string]string{
		"ingester-zone-a-0": "ACTIVE", "ingester-zone-b-0": "ACTIVE", "ingester-zone-c-0": "JOINING"})
	s.fetchSave(a, "ringcheck", "ring-ingester-joining.json", mimir.PathIngesterRing, AcceptJSON, 200)
	Eventually(t, waitLong, "the JOINING process answers /ready", func() string {
		if code, _ := joining.Fetch(t, mimir.PathReady, ""); code == 0 {
			return "no answer"
		}
		return ""
	})
	code, _ := joining.Fetch(t, mimir.PathReady, "")
	s.fetchSave(joining, "mimirapi", "ready-joining.txt", mimir.PathReady, "", code)
	if err := b.Stop(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	wantRing(t, a, mimir.PathIngesterRing, map[string]string{
		"ingester-zone-a-0": "ACTIVE", "ingester-zone-b-0": "LEAVING", "ingester-zone-c-0": "JOINING"})
	s.fetchSave(a, "ringcheck", "ring-ingester-leaving.json", mimir.PathIngesterRing, AcceptJSON, 200)
	wantRing(t, a, mimir.PathIngesterRing, map[string]string{
		"ingester-zone-a-0": "ACTIVE", "ingester-zone-b-0": "UNHEALTHY", "ingester-zone-c-0": "JOINING"})
	s.fetchSave(a, "ringcheck", "ring-ingester-unhealthy.json", mimir.PathIngesterRing, AcceptJSON, 200)
}

// TestCaptureMimir3MultiKV runs one Mimir 3.0.5 whose ingester ring and HA
// tracker use a multi KV store (etcd primary, memberlist secondary) and
// records the cortex_multikv_* metrics before and after the runtime
// configuration turns mirroring on and switches the primary: this shows
// which KV clients follow multi_kv_config.
func TestCaptureMimir3MultiKV(t *testing.T) {
	s := newSaver(t, "3.0.5")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, etcd := StartEtcd(t)
	multi := func(prefix string) []string {
		return []string{"-" + prefix + "store=multi", "-" + prefix + "multi.primary=etcd", "-" + prefix + "multi.secondary=memberlist",
			"-" + prefix + "etcd.endpoints=" + etcd}
	}
	args := append(append([]string{"-target=distributor,ingester",
		"-distributor.ha-tracker.enable=true", "-distributor.ha-tracker.enable-for-all-users=true"},
		multi("ingester.ring.")...), multi("distributor.ha-tracker.")...)
	p := Start(t, Options{Major: 3, Name: "distributor-0", Zone: "zone-a", Bucket: t.TempDir(),
		RuntimeConfig: "overrides: {}\n", Args: args})
	if err := p.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	s.fetchSave(p, "podmetrics", "metrics-multikv-initial.txt", mimir.PathMetrics, "", 200)
	runtime := filepath.Join(p.Dir, "runtime.yaml")
	setRuntime(t, p, runtime, "multi_kv_config:\n  mirror_enabled: true\n  primary: memberlist\n")
	s.fetchSave(p, "mimirapi", "runtime_config-multi.yaml", mimir.PathRuntimeConfig, "", 200)
	Eventually(t, waitLong, "ring KV switched to memberlist", func() string {
		_, body := p.Fetch(t, mimir.PathMetrics, "")
		if !strings.Contains(string(body), `cortex_multikv_primary_store{kv_name="ingester-lifecycler",store="memberlist"} 1`) {
			return "ingester-lifecycler primary is not memberlist yet"
		}
		return ""
	})
	time.Sleep(3 * time.Second) // give the HA tracker's client the same chance
	s.fetchSave(p, "podmetrics", "metrics-multikv-switched.txt", mimir.PathMetrics, "", 200)
	s.writeLog("capture-3.0.5-multikv.txt")
}

func setRuntime(t *testing.T, p *Process, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	Eventually(t, waitLong, "runtime config reloaded on "+p.Name, func() string {
		_, got := p.Fetch(t, mimir.PathRuntimeConfig, "")
		// 3.0.5 always shows an empty multi_kv_config: wait for the value.
		if !strings.Contains(string(got), "primary: memberlist") {
			return trimmed(got)
		}
		return ""
	})
}
