//go:build capture

package localmimir

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

const waitLong = 90 * time.Second

// TestCaptureMimir2 runs a Mimir 2.9.0 cluster in read-write mode (two
// writers in zones a and b, a backend, a reader), an etcd for the HA tracker
// and two Prometheus replicas of one HA pair writing to it, and saves what
// its endpoints answer into the packages' testdata.
func TestCaptureMimir2(t *testing.T) {
	s := newSaver(t, "2.9.0")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, etcd := StartEtcd(t)
	bucket := t.TempDir()
	ha := []string{
		"-distributor.ha-tracker.enable=true", "-distributor.ha-tracker.enable-for-all-users=true",
		"-distributor.ha-tracker.store=etcd", "-distributor.ha-tracker.etcd.endpoints=" + etcd,
		"-distributor.ha-tracker.update-timeout=1s", "-distributor.ha-tracker.update-timeout-jitter-max=0s",
		"-distributor.ha-tracker.failover-timeout=2s",
	}
	common := []string{"-query-scheduler.service-discovery-mode=ring", "-ingester.ring.heartbeat-timeout=15s"}
	runtime := "multi_kv_config:\n  mirror_enabled: true\n  primary: memberlist\noverrides:\n  tenant-1:\n    ingestion_rate: 50000\n"
	writeA := Start(t, Options{Major: 2, Name: "mimir-write-zone-a-0", Target: "write", Zone: "zone-a", Bucket: bucket,
		RuntimeConfig: runtime, Args: append(append([]string{}, common...), ha...)})
	writeB := Start(t, Options{Major: 2, Name: "mimir-write-zone-b-0", Target: "write", Zone: "zone-b", Bucket: bucket,
		Join: []*Process{writeA}, Args: append(append([]string{"-ingester.ring.unregister-on-shutdown=false"}, common...), ha...)})
	backend := Start(t, Options{Major: 2, Name: "mimir-backend-zone-a-0", Target: "backend", Zone: "zone-a", Bucket: bucket,
		Join: []*Process{writeA}, Args: append([]string{"-overrides-exporter.ring.enabled=true"}, common...)})
	read := Start(t, Options{Major: 2, Name: "mimir-read-0", Target: "read", Bucket: bucket, Join: []*Process{writeA}, Args: common})
	all := []*Process{writeA, writeB, backend, read}
	for _, p := range all {
		if err := p.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	active := map[string]string{"mimir-write-zone-a-0": "ACTIVE", "mimir-write-zone-b-0": "ACTIVE"}
	wantRing(t, writeA, mimir.PathIngesterRing, active)
	wantRing(t, writeA, mimir.PathDistributorRing, active)
	wantRing(t, backend, mimir.PathQuerySchedulerRing, map[string]string{"mimir-backend-zone-a-0": "ACTIVE"})

	startHAPair(ctx, t, writeA, writeB)
	Eventually(t, waitLong, "HA tracker elected a replica on both distributors", func() string {
		for _, p := range []*Process{writeA, writeB} {
			_, b := p.Fetch(t, mimir.PathHATracker, AcceptJSON)
			if strings.Count(string(b), `"replica":"replica-1"`)+strings.Count(string(b), `"replica":"replica-2"`) < 2 {
				return p.Name + ": " + trimmed(b)
			}
		}
		return ""
	})

	captureRingMatrix(t, s, all)
	s.fetchSave(writeA, "ringcheck", "ring-ingester-active.json", mimir.PathIngesterRing, AcceptJSON, 200)
	s.fetchSave(writeA, "ringcheck", "ring-not-served.txt", mimir.PathStoreGatewayRing, AcceptJSON, 404)
	s.fetchSave(writeA, "ringcheck", "ring-ingester.html", mimir.PathIngesterRing, "", 200)
	for _, p := range []*Process{writeA, writeB} {
		s.fetchSave(p, "mimirapi", "ha_tracker-"+p.Name+".json", mimir.PathHATracker, AcceptJSON, 200)
	}
	s.fetchSave(writeA, "mimirapi", "buildinfo.json", mimir.PathBuildInfo, "", 200)
	s.fetchSave(writeA, "mimirapi", "ready.txt", mimir.PathReady, "", 200)
	s.fetchSave(writeA, "mimirapi", "config.yaml", mimir.PathConfig, "", 200)
	s.fetchSave(writeA, "mimirapi", "runtime_config.yaml", mimir.PathRuntimeConfig, "", 200)
	s.fetchSave(writeB, "mimirapi", "runtime_config-none-404.txt", mimir.PathRuntimeConfig, "", 404)
	s.fetchSave(writeA, "mimirapi", "memberlist.json", mimir.PathMemberlist, AcceptJSON, 200)
	s.fetchSave(writeA, "mimirapi", "prepare-instance-ring-downscale-404.txt", mimir.PathPrepareRingDownscale, "", 404)
	s.fetchSave(writeA, "podmetrics", "metrics-write.txt", mimir.PathMetrics, "", 200)
	s.fetchSave(backend, "podmetrics", "metrics-backend.txt", mimir.PathMetrics, "", 200)

	captureStates2(ctx, t, s, bucket, writeA, writeB, common)
	s.writeLog("capture-2.9.0.txt")
}

// captureRingMatrix records which process (target) answers which ring page.
func captureRingMatrix(t *testing.T, s *saver, procs []*Process) {
	names := make([]string, 0, len(mimir.RingPaths))
	for n := range mimir.RingPaths {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "ring\tpath")
	for _, p := range procs {
		fmt.Fprintf(&b, "\t%s", p.Name)
	}
	b.WriteString("\n")
	for _, n := range names {
		path := mimir.RingPaths[n]
		fmt.Fprintf(&b, "%s\t%s", n, path)
		saved := false
		for _, p := range procs {
			code, body := p.Fetch(t, path, AcceptJSON)
			fmt.Fprintf(&b, "\t%d", code)
			if code == 200 && !saved {
				s.save("ringcheck", "ring-"+n+".json", body, fmt.Sprintf("GET %s on %s (Accept: application/json), status 200", path, p.Name))
				saved = true
			}
		}
		b.WriteString("\n")
	}
	s.save("ringcheck", "ring-pages-served.tsv", []byte(b.String()), "status of every ring page on every process")
}

// startHAPair runs two Prometheus replicas of HA cluster "prom-ha" that
// scrape the writers and remote-write to both tenants through writer a.
func startHAPair(ctx context.Context, t *testing.T, writeA, writeB *Process) {
	for _, r := range []string{"replica-1", "replica-2"} {
		cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  external_labels: {cluster: prom-ha, __replica__: %s}
scrape_configs:
  - job_name: mimir
    static_configs: [{targets: [%q, %q]}]
remote_write:
  - url: %s/api/v1/push
    queue_config: {batch_send_deadline: 1s}
  - url: %s/api/v1/push
    queue_config: {batch_send_deadline: 1s}
`, r, writeA.HTTPAddr(), writeB.HTTPAddr(), TenantProxy(t, writeA, "tenant-1"), TenantProxy(t, writeB, "tenant-2"))
		StartPrometheus(ctx, t, "prometheus-"+r, cfg)
	}
}

// captureStates2 makes the ingester ring show JOINING, LEAVING and
// UNHEALTHY members and saves each picture, plus a not-ready /ready body.
func captureStates2(ctx context.Context, t *testing.T, s *saver, bucket string, writeA, writeB *Process, common []string) {
	joining := Start(t, Options{Major: 2, Name: "mimir-write-zone-c-0", Target: "write", Zone: "zone-c", Bucket: bucket,
		Join: []*Process{writeA}, Args: append([]string{"-ingester.ring.observe-period=10m"}, common...)})
	wantRing(t, writeA, mimir.PathIngesterRing, map[string]string{
		"mimir-write-zone-a-0": "ACTIVE", "mimir-write-zone-b-0": "ACTIVE", "mimir-write-zone-c-0": "JOINING"})
	s.fetchSave(writeA, "ringcheck", "ring-ingester-joining.json", mimir.PathIngesterRing, AcceptJSON, 200)
	Eventually(t, waitLong, "a JOINING ingester is not ready", func() string {
		code, _ := joining.Fetch(t, mimir.PathReady, "")
		if code == 200 {
			return "ready"
		}
		return ""
	})
	s.fetchSave(joining, "mimirapi", "ready-joining-503.txt", mimir.PathReady, "", 503)

	if err := writeB.Stop(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	wantRing(t, writeA, mimir.PathIngesterRing, map[string]string{
		"mimir-write-zone-a-0": "ACTIVE", "mimir-write-zone-b-0": "LEAVING", "mimir-write-zone-c-0": "JOINING"})
	s.fetchSave(writeA, "ringcheck", "ring-ingester-leaving.json", mimir.PathIngesterRing, AcceptJSON, 200)
	wantRing(t, writeA, mimir.PathIngesterRing, map[string]string{
		"mimir-write-zone-a-0": "ACTIVE", "mimir-write-zone-b-0": "UNHEALTHY", "mimir-write-zone-c-0": "JOINING"})
	s.fetchSave(writeA, "ringcheck", "ring-ingester-unhealthy.json", mimir.PathIngesterRing, AcceptJSON, 200)
}
