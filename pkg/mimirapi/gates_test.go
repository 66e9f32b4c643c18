package mimirapi

import (
	"context"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

type podsFn func(t *testing.T) []gatetest.Pod

func pods(ps ...func(t *testing.T) gatetest.Pod) podsFn {
	return func(t *testing.T) []gatetest.Pod {
		out := make([]gatetest.Pod, 0, len(ps))
		for _, p := range ps {
			out = append(out, p(t))
		}
		return out
	}
}

func pod(name string, routes map[string]route) func(t *testing.T) gatetest.Pod {
	return func(t *testing.T) gatetest.Pod { return mimirPod(name, "distributor", fakeMimir(t, routes)) }
}

func pending(name string) func(t *testing.T) gatetest.Pod {
	return func(*testing.T) gatetest.Pod { return mimirPod(name, "distributor", nil) }
}

var distributors = PodsSpec{Pods: podaccess.Selector{Labels: "name=distributor"}}

func evaluate(t *testing.T, g interface {
	Evaluate(context.Context) verdict.Observation
}) verdict.Observation {
	t.Helper()
	return g.Evaluate(context.Background())
}

func TestReadyGate(t *testing.T) {
	ready2 := map[string]route{mimir.PathReady: {file: "mimir-2.9.0/ready.txt"}}
	joining2 := map[string]route{mimir.PathReady: {status: 503, file: "mimir-2.9.0/ready-joining-503.txt"}}
	starting3 := map[string]route{mimir.PathReady: {status: 503, file: "mimir-3.0.5/ready-joining.txt"}}
	tests := []struct {
		name            string
		spec            ReadySpec
		pods            podsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"every pod answers ready", ReadySpec{distributors}, pods(pod("d-0", ready2), pod("d-1", ready2)), verdict.Pass, "2/2 pods ready", ""},
		{"a JOINING 2.9.0 ingester is not ready, with Mimir's reason", ReadySpec{distributors}, pods(pod("d-0", ready2), pod("d-1", joining2)),
			verdict.Fail, "1/2 pods ready", "d-1: not ready (503): Ingester not ready: instance 127.0.0.1:39013 in state JOINING"},
		{"a starting 3.0.5 process is not ready", ReadySpec{distributors}, pods(pod("d-0", starting3)),
			verdict.Fail, "", "not ready (503): Some services are not Running: / ingester-service: Starting"},
		{"a pod that is not running is not ready", ReadySpec{distributors}, pods(pod("d-0", ready2), pending("d-1")), verdict.Fail, "", "d-1: not running: phase Pending"},
		{"fewer pods than minPods fail", ReadySpec{PodsSpec{Pods: distributors.Pods, MinPods: 3}}, pods(pod("d-0", ready2)), verdict.Fail, "want at least 3", ""},
		{"no pod at all is inconclusive", ReadySpec{distributors}, pods(), verdict.Inconclusive, "found no pods", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewReadyGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			assertObs(t, evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }
func intp(n int) *int       { return &n }

func TestConfigGate(t *testing.T) {
	cfg2 := map[string]route{mimir.PathConfig: {file: "mimir-2.9.0/config.yaml"}, mimir.PathRuntimeConfig: {file: "mimir-2.9.0/runtime_config.yaml"}}
	cfg3 := map[string]route{mimir.PathConfig: {file: "mimir-3.0.5/config.yaml"}, mimir.PathRuntimeConfig: {file: "mimir-3.0.5/runtime_config-multi.yaml"}}
	noRuntime := map[string]route{mimir.PathConfig: {file: "mimir-3.0.5/config.yaml"}}
	tests := []struct {
		name            string
		spec            ConfigSpec
		pods            podsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"the HA tracker KV is memberlist on every distributor", ConfigSpec{PodsSpec: distributors, Key: "distributor.ha_tracker.kvstore.store", Equals: strp("memberlist")},
			pods(pod("d-0", cfg3)), verdict.Pass, "1/1 pods match", ""},
		{"a distributor still on etcd is named", ConfigSpec{PodsSpec: distributors, Key: "distributor.ha_tracker.kvstore.store", Equals: strp("memberlist")},
			pods(pod("d-0", cfg3), pod("d-1", cfg2)), verdict.Fail, "", "d-1: distributor.ha_tracker.kvstore.store is etcd, want memberlist"},
		{"the runtime config switched the primary store", ConfigSpec{PodsSpec: distributors, Source: SourceRuntimeConfig, Key: "multi_kv_config.primary", Equals: strp("memberlist")},
			pods(pod("d-0", cfg2), pod("d-1", cfg3)), verdict.Pass, "", ""},
		{"a pod without runtime config has no runtime keys", ConfigSpec{PodsSpec: distributors, Source: SourceRuntimeConfig, Key: "multi_kv_config.primary", Present: boolp(false)},
			pods(pod("d-0", noRuntime)), verdict.Pass, "", ""},
		{"a key that must be gone is still there", ConfigSpec{PodsSpec: distributors, Key: "limits.ha_tracker_failover_timeout", Present: boolp(false)},
			pods(pod("d-0", cfg3)), verdict.Fail, "", "limits.ha_tracker_failover_timeout is present: 2s"},
		{"an unreachable /config is inconclusive", ConfigSpec{PodsSpec: distributors, Key: "a", Present: boolp(true)},
			pods(pod("d-0", map[string]route{mimir.PathConfig: {status: 500, body: "boom"}})), verdict.Inconclusive, "", "status 500: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewConfigGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			assertObs(t, evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}

func TestMemberlistGate(t *testing.T) {
	ml2 := map[string]route{mimir.PathMemberlist: {file: "mimir-2.9.0/memberlist.json"}}
	ml3 := map[string]route{mimir.PathMemberlist: {file: "mimir-3.0.5/memberlist.json"}}
	noML := map[string]route{mimir.PathMemberlist: {body: mimir.NoMemberlistBody}}
	tests := []struct {
		name            string
		spec            MemberlistSpec
		pods            podsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"HA tracker keys are in memberlist on every pod", MemberlistSpec{PodsSpec: distributors, Keys: []string{"ha-tracker/.+"}, Members: intp(2)},
			pods(pod("d-0", ml3), pod("d-1", ml3)), verdict.Pass, "2/2 pods match", ""},
		{"no HA tracker key yet on a pod: fail naming the pattern", MemberlistSpec{PodsSpec: distributors, Keys: []string{"collectors/ring", "ha-tracker/.+"}},
			pods(pod("d-0", ml3), pod("d-1", ml2)), verdict.Fail, "1/2", "d-1: 4 members, 8 live keys\n  no key matches /ha-tracker/.+/"},
		{"keys that must be gone are listed", MemberlistSpec{PodsSpec: distributors, AbsentKeys: []string{"ha-tracker/.*"}},
			pods(pod("d-0", ml3)), verdict.Fail, "", "keys matching /ha-tracker/.*/ still present: ha-tracker/tenant-1/prom-ha, ha-tracker/tenant-2/prom-ha"},
		{"too few members are listed by name", MemberlistSpec{PodsSpec: distributors, MinMembers: intp(3)},
			pods(pod("d-0", ml3)), verdict.Fail, "", "2 members, want ≥ 3: ingester-zone-a-0-087737f8, ingester-zone-b-0-39f10464"},
		{"a pod without memberlist fails", MemberlistSpec{PodsSpec: distributors, Keys: []string{"collectors/ring"}},
			pods(pod("d-0", noML)), verdict.Fail, "", "instance does not use memberlist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewMemberlistGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			assertObs(t, evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}

func TestHATrackerGate(t *testing.T) {
	page := func(file string) map[string]route { return map[string]route{mimir.PathHATracker: {file: file}} }
	a2, b2 := page("mimir-2.9.0/ha_tracker-mimir-write-zone-a-0.json"), page("mimir-2.9.0/ha_tracker-mimir-write-zone-b-0.json")
	a3, b3 := page("mimir-3.0.5/ha_tracker-ingester-zone-a-0.json"), page("mimir-3.0.5/ha_tracker-ingester-zone-b-0.json")
	failedOver := map[string]route{mimir.PathHATracker: {body: `{"elected":[{"userID":"tenant-1","cluster":"prom-ha","replica":"replica-2"},{"userID":"tenant-2","cluster":"prom-ha","replica":"replica-1"}],"now":"2026-11-23T14:00:00Z"}`}}
	partial := map[string]route{mimir.PathHATracker: {body: `{"elected":[{"userID":"tenant-1","cluster":"prom-ha","replica":"replica-1"}],"now":"2026-11-23T14:00:00Z"}`}}
	empty := map[string]route{mimir.PathHATracker: {body: `{"elected":null,"now":"2026-11-23T14:00:00Z"}`}}
	tests := []struct {
		name            string
		spec            HATrackerSpec
		pods            podsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"two 2.9.0 distributors (etcd) agree", HATrackerSpec{PodsSpec: distributors}, pods(pod("d-0", a2), pod("d-1", b2)), verdict.Pass, "2 of 2 HA clusters agree across 2 distributors", ""},
		{"two 3.0.5 distributors (memberlist) agree", HATrackerSpec{PodsSpec: distributors}, pods(pod("d-0", a3), pod("d-1", b3)), verdict.Pass, "2 of 2", ""},
		{"a distributor that elected another replica is named", HATrackerSpec{PodsSpec: distributors}, pods(pod("d-0", a3), pod("d-1", failedOver)),
			verdict.Fail, "1 of 2", "tenant-1/prom-ha: distributors disagree: replica-1 on d-0; replica-2 on d-1"},
		{"a distributor that does not know a cluster disagrees", HATrackerSpec{PodsSpec: distributors}, pods(pod("d-0", a3), pod("d-1", partial)),
			verdict.Fail, "", "tenant-2/prom-ha: distributors disagree: (none) on d-1; replica-1 on d-0"},
		{"filters narrow the clusters compared", HATrackerSpec{PodsSpec: distributors, Tenants: "tenant-2"}, pods(pod("d-0", a3), pod("d-1", failedOver)),
			verdict.Pass, "1 of 1", ""},
		{"nothing elected anywhere is inconclusive, not agreement", HATrackerSpec{PodsSpec: distributors}, pods(pod("d-0", empty), pod("d-1", empty)),
			verdict.Inconclusive, "0 HA clusters elected across 2 distributors", ""},
		{"an unreadable distributor makes agreement inconclusive", HATrackerSpec{PodsSpec: distributors}, pods(pod("d-0", a3), pod("d-1", map[string]route{})),
			verdict.Inconclusive, "1 distributors could not be read", "is the HA tracker enabled on this distributor?"},
		{"a distributor that is not running makes agreement inconclusive", HATrackerSpec{PodsSpec: distributors}, pods(pod("d-0", a3), pending("d-1")),
			verdict.Inconclusive, "", "d-1: phase Pending"},
		{"fewer distributors than minPods fail", HATrackerSpec{PodsSpec: PodsSpec{Pods: distributors.Pods, MinPods: 3}}, pods(pod("d-0", a3)),
			verdict.Fail, "1 distributors selected, want at least 3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewHATrackerGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			assertObs(t, evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}
