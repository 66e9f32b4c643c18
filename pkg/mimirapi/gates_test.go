package mimirapi

import (
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

var distributors = PodsSpec{Pods: podaccess.Selector{Labels: "name=distributor"}}

func TestReadyGate(t *testing.T) {
	ready2 := map[string]gatetest.Route{mimir.PathReady: {File: "testdata/mimir-2.9.0/ready.txt"}}
	joining2 := map[string]gatetest.Route{mimir.PathReady: {Status: 503, File: "testdata/mimir-2.9.0/ready-joining-503.txt"}}
	starting3 := map[string]gatetest.Route{mimir.PathReady: {Status: 503, File: "testdata/mimir-3.0.5/ready-joining.txt"}}
	tests := []struct {
		name            string
		spec            ReadySpec
		pods            gatetest.PodsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"every pod answers ready", ReadySpec{distributors}, gatetest.Pods(gatetest.Distributor("d-0", ready2), gatetest.Distributor("d-1", ready2)), verdict.Pass, "2/2 pods ready", ""},
		{"a JOINING 2.9.0 ingester is not ready, with Mimir's reason", ReadySpec{distributors}, gatetest.Pods(gatetest.Distributor("d-0", ready2), gatetest.Distributor("d-1", joining2)),
			verdict.Fail, "1/2 pods ready", "d-1: not ready (503): Ingester not ready: instance 127.0.0.1:39013 in state JOINING"},
		{"a starting 3.0.5 process is not ready", ReadySpec{distributors}, gatetest.Pods(gatetest.Distributor("d-0", starting3)),
			verdict.Fail, "", "not ready (503): Some services are not Running: / ingester-service: Starting"},
		{"a pod that is not running is not ready", ReadySpec{distributors}, gatetest.Pods(gatetest.Distributor("d-0", ready2), gatetest.PendingDistributor("d-1")), verdict.Fail, "", "d-1: not running: phase Pending"},
		{"fewer pods than minPods fail", ReadySpec{PodsSpec{Pods: distributors.Pods, MinPods: 3}}, gatetest.Pods(gatetest.Distributor("d-0", ready2)), verdict.Fail, "want at least 3", ""},
		{"no pod at all is inconclusive", ReadySpec{distributors}, gatetest.Pods(), verdict.Inconclusive, "found no pods", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewReadyGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			gatetest.AssertObservation(t, gatetest.Evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }

func TestConfigGate(t *testing.T) {
	cfg2 := map[string]gatetest.Route{mimir.PathConfig: {File: "testdata/mimir-2.9.0/config.yaml"}, mimir.PathRuntimeConfig: {File: "testdata/mimir-2.9.0/runtime_config.yaml"}}
	cfg3 := map[string]gatetest.Route{mimir.PathConfig: {File: "testdata/mimir-3.0.5/config.yaml"}, mimir.PathRuntimeConfig: {File: "testdata/mimir-3.0.5/runtime_config-multi.yaml"}}
	noRuntime := map[string]gatetest.Route{mimir.PathConfig: {File: "testdata/mimir-3.0.5/config.yaml"}}
	tests := []struct {
		name            string
		spec            ConfigSpec
		pods            gatetest.PodsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"the HA tracker KV is memberlist on every distributor", ConfigSpec{PodsSpec: distributors, Key: "distributor.ha_tracker.kvstore.store", Equals: strp("memberlist")},
			gatetest.Pods(gatetest.Distributor("d-0", cfg3)), verdict.Pass, "1/1 pods match", ""},
		{"a distributor still on etcd is named", ConfigSpec{PodsSpec: distributors, Key: "distributor.ha_tracker.kvstore.store", Equals: strp("memberlist")},
			gatetest.Pods(gatetest.Distributor("d-0", cfg3), gatetest.Distributor("d-1", cfg2)), verdict.Fail, "", "d-1: distributor.ha_tracker.kvstore.store is etcd, want memberlist"},
		{"the runtime config switched the primary store", ConfigSpec{PodsSpec: distributors, Source: SourceRuntimeConfig, Key: "multi_kv_config.primary", Equals: strp("memberlist")},
			gatetest.Pods(gatetest.Distributor("d-0", cfg2), gatetest.Distributor("d-1", cfg3)), verdict.Pass, "", ""},
		{"a pod without runtime config has no runtime keys", ConfigSpec{PodsSpec: distributors, Source: SourceRuntimeConfig, Key: "multi_kv_config.primary", Present: boolp(false)},
			gatetest.Pods(gatetest.Distributor("d-0", noRuntime)), verdict.Pass, "", ""},
		{"a key that must be gone is still there", ConfigSpec{PodsSpec: distributors, Key: "limits.ha_tracker_failover_timeout", Present: boolp(false)},
			gatetest.Pods(gatetest.Distributor("d-0", cfg3)), verdict.Fail, "", "limits.ha_tracker_failover_timeout is present: 2s"},
		{"an unreachable /config is inconclusive", ConfigSpec{PodsSpec: distributors, Key: "a", Present: boolp(true)},
			gatetest.Pods(gatetest.Distributor("d-0", map[string]gatetest.Route{mimir.PathConfig: {Status: 500, Body: "boom"}})), verdict.Inconclusive, "", "status 500: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewConfigGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			gatetest.AssertObservation(t, gatetest.Evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}
