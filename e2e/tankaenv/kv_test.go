package tankaenv

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// ringFlags are the KV store flag prefixes of the rings each workload of
// the mimir-kv environment uses.
var ringFlags = map[string][]string{
	"distributor":          {"distributor.ring", "ingester.ring"},
	"ingester-zone-a":      {"ingester.ring"},
	"querier":              {"ingester.ring", "store-gateway.sharding-ring", "querier.ring"},
	"store-gateway-zone-b": {"store-gateway.sharding-ring"},
	"compactor":            {"compactor.ring"},
	"ruler":                {"ruler.ring", "ingester.ring", "store-gateway.sharding-ring"},
}

// The Consul → memberlist migration of the real library: store=multi is a
// flag (rollout), mirroring and the primary live in multi_kv_config
// (runtime, no rollout), teardown keeps multi_kv_config while pods roll.
func TestRingKVMigration(t *testing.T) {
	steps := []struct {
		name       string
		config     map[string]any
		store      string
		consul     bool
		multiKV    map[string]any // multi_kv_config in overrides.yaml, nil when absent
		sameAsPrev bool           // workloads identical to the previous step: no rollout
	}{
		{"0 rings on Consul", map[string]any{}, "consul", true, nil, false},
		{"1 multi KV, Consul primary", map[string]any{"memberlist_ring_enabled": true, "multikv_migration_enabled": true},
			"multi", true, map[string]any{"primary": "consul", "mirror_enabled": false}, false},
		{"2 mirror to memberlist", map[string]any{"multikv_mirror_enabled": true},
			"multi", true, map[string]any{"primary": "consul", "mirror_enabled": true}, true},
		{"3 memberlist primary", map[string]any{"multikv_switch_primary_secondary": true},
			"multi", true, map[string]any{"primary": "memberlist", "mirror_enabled": true}, true},
		{"4 mirror off", map[string]any{"multikv_mirror_enabled": false},
			"multi", true, map[string]any{"primary": "memberlist", "mirror_enabled": false}, true},
		{"5 teardown", map[string]any{"multikv_migration_enabled": false, "multikv_migration_teardown": true},
			"memberlist", false, map[string]any{"primary": "memberlist", "mirror_enabled": false}, false},
		{"6 knobs removed", map[string]any{
			"multikv_migration_teardown": false, "multikv_switch_primary_secondary": false, "multikv_mirror_enabled": false,
		}, "memberlist", false, nil, true},
	}
	cumulative := map[string]any{}
	var prev *rendered
	for _, st := range steps {
		for k, v := range st.config {
			cumulative[k] = v
		}
		r := mustRender(t, EnvMimirKV, config(cumulative))
		for wl, prefixes := range ringFlags {
			a := args(t, r.workload(wl))
			for _, p := range prefixes {
				if a[p+".store"] != st.store {
					t.Errorf("step %s: %s %s.store = %q, want %q", st.name, wl, p, a[p+".store"], st.store)
				}
				if st.store == "multi" && (a[p+".multi.primary"] != "consul" || a[p+".multi.secondary"] != "memberlist") {
					t.Errorf("step %s: %s %s multi flags = %q/%q, want consul/memberlist (the switch is runtime)", st.name, wl, p,
						a[p+".multi.primary"], a[p+".multi.secondary"])
				}
				_, hasConsul := a[p+".consul.hostname"]
				if hasConsul != (st.store != "memberlist") {
					t.Errorf("step %s: %s %s.consul.hostname set = %v", st.name, wl, p, hasConsul)
				}
			}
		}
		if got := r.hasID("Deployment/consul"); got != st.consul {
			t.Errorf("step %s: Consul rendered = %v, want %v", st.name, got, st.consul)
		}
		if got := multiKVConfig(t, r); !reflect.DeepEqual(got, st.multiKV) {
			t.Errorf("step %s: multi_kv_config = %v, want %v", st.name, got, st.multiKV)
		}
		if prev != nil && st.sameAsPrev && !reflect.DeepEqual(workloadSpecs(prev), workloadSpecs(r)) {
			t.Errorf("step %s changes workloads: it must only change the runtime config", st.name)
		}
		prev = r
	}
}

// Consul can be kept after the migration, as the real library allows.
func TestConsulEnabledKeepsConsul(t *testing.T) {
	r := mustRender(t, EnvMimirKV, config(map[string]any{"memberlist_ring_enabled": true, "ha_tracker_kvstore": "memberlist", "consul_enabled": true}))
	if !r.hasID("Deployment/consul") || !r.hasID("Service/consul") {
		t.Error("consul_enabled: true does not keep Consul")
	}
}

// The HA tracker's KV store follows flags only: Mimir 3.0.5 ignores
// multi_kv_config for it, so each step is a distributor rollout.
func TestHATrackerKV(t *testing.T) {
	cases := []struct {
		name   string
		config map[string]any
		want   map[string]string
		absent []string
		etcd   bool
		gossip bool
	}{
		{"etcd", map[string]any{}, map[string]string{
			"distributor.ha-tracker.enable": "true", "distributor.ha-tracker.enable-for-all-users": "true",
			"distributor.ha-tracker.store": "etcd", "distributor.ha-tracker.etcd.endpoints": "etcd.mimir-kv.svc.cluster.local:2379",
			"distributor.ha-tracker.prefix": "prom_ha/",
		}, []string{"distributor.ha-tracker.multi.primary", "memberlist.join"}, true, false},
		{"multi, etcd primary, mirroring", map[string]any{
			"ha_tracker_kvstore": "multi", "ha_tracker_multikv_mirror_enabled": true,
		}, map[string]string{
			"distributor.ha-tracker.store": "multi", "distributor.ha-tracker.multi.primary": "etcd",
			"distributor.ha-tracker.multi.secondary": "memberlist", "distributor.ha-tracker.multi.mirror-enabled": "true",
			"distributor.ha-tracker.etcd.endpoints": "etcd.mimir-kv.svc.cluster.local:2379",
			"memberlist.join":                       "dns+gossip-ring.mimir-kv.svc.cluster.local:7946",
		}, nil, true, true},
		{"multi, memberlist primary", map[string]any{
			"ha_tracker_kvstore": "multi", "ha_tracker_multikv_primary": "memberlist", "ha_tracker_multikv_secondary": "etcd",
		}, map[string]string{
			"distributor.ha-tracker.multi.primary": "memberlist", "distributor.ha-tracker.multi.secondary": "etcd",
			"distributor.ha-tracker.multi.mirror-enabled": "false",
		}, nil, true, true},
		{"memberlist", map[string]any{"ha_tracker_kvstore": "memberlist"}, map[string]string{
			"distributor.ha-tracker.store": "memberlist",
		}, []string{"distributor.ha-tracker.etcd.endpoints"}, false, true},
		{"consul", map[string]any{"ha_tracker_kvstore": "consul"}, map[string]string{
			"distributor.ha-tracker.store": "consul", "distributor.ha-tracker.consul.hostname": "consul.mimir-kv.svc.cluster.local:8500",
		}, nil, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, EnvMimirKV, config(tc.config))
			d := r.get("Deployment", "distributor")
			a := args(t, d)
			for k, v := range tc.want {
				if a[k] != v {
					t.Errorf("-%s = %q, want %q", k, a[k], v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := a[k]; ok {
					t.Errorf("-%s is set", k)
				}
			}
			if got := r.hasID("StatefulSet/etcd") && r.hasID("Service/etcd"); got != tc.etcd {
				t.Errorf("etcd rendered = %v, want %v", got, tc.etcd)
			}
			// Rings stay on Consul: only the distributor gossips, for the
			// HA tracker.
			if got := podLabels(d)["gossip_ring_member"] == "true"; got != tc.gossip {
				t.Errorf("distributor gossips = %v, want %v", got, tc.gossip)
			}
			if got := r.hasID("Service/gossip-ring"); got != tc.gossip {
				t.Errorf("gossip-ring Service rendered = %v, want %v", got, tc.gossip)
			}
			if podLabels(r.get("StatefulSet", "ingester-zone-a"))["gossip_ring_member"] == "true" {
				t.Error("ingesters gossip although their ring is on Consul")
			}
		})
	}
}

// Memberlist cluster labels: each step of the documented sequence is a
// flag change on every gossiping component.
func TestMemberlistClusterLabel(t *testing.T) {
	cases := []struct {
		name        string
		config      map[string]any
		label       string
		hasLabel    bool
		noVerifying bool
	}{
		{"no label by default", map[string]any{}, "", false, false},
		{"1 verification disabled", map[string]any{"memberlist_cluster_label_verification_disabled": true}, "", false, true},
		{"2 label set", map[string]any{"memberlist_cluster_label_verification_disabled": true, "memberlist_cluster_label": "local.mimir"}, "local.mimir", true, true},
		{"3 verification on", map[string]any{"memberlist_cluster_label": "local.mimir"}, "local.mimir", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, EnvMimir, config(tc.config))
			for name, wl := range r.workloads() {
				if podLabels(wl)["gossip_ring_member"] != "true" {
					continue
				}
				a := args(t, wl)
				label, ok := a["memberlist.cluster-label"]
				if ok != tc.hasLabel || label != tc.label {
					t.Errorf("%s: -memberlist.cluster-label = %q (set %v), want %q", name, label, ok, tc.label)
				}
				if _, ok := a["memberlist.cluster-label-verification-disabled"]; ok != tc.noVerifying {
					t.Errorf("%s: verification disabled flag set = %v, want %v", name, ok, tc.noVerifying)
				}
			}
		})
	}
}

func multiKVConfig(t *testing.T, r *rendered) map[string]any {
	t.Helper()
	cm := r.get("ConfigMap", "overrides")
	data, _, _ := unstructured.NestedString(cm.Object, "data", "overrides.yaml")
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("overrides.yaml does not parse: %v\n%s", err, data)
	}
	if _, ok := doc["overrides"]; !ok {
		t.Errorf("overrides.yaml has no overrides key:\n%s", data)
	}
	m, _ := doc["multi_kv_config"].(map[string]any)
	return m
}

// workloadSpecs are the Deployment and StatefulSet specs by name: equal
// specs mean a change rolls no pod.
func workloadSpecs(r *rendered) map[string]any {
	out := map[string]any{}
	for name, o := range r.workloads() {
		out[name] = o.Object["spec"]
	}
	return out
}

// The ingester and ruler rings share the key name "ring"; only Mimir's
// default key prefixes (collectors/, rulers/) keep them apart in one KV
// store, so the library must not override them.
func TestRingKeyPrefixes(t *testing.T) {
	for _, env := range []string{EnvMimir, EnvMimirKV} {
		r := mustRender(t, env, config(map[string]any{"ruler_remote_evaluation_enabled": true}))
		for name, wl := range r.workloads() {
			a := args(t, wl)
			for _, p := range []string{"ingester.ring.prefix", "ruler.ring.prefix"} {
				if v, ok := a[p]; ok {
					t.Errorf("%s %s sets -%s=%q", env, name, p, v)
				}
			}
			if v, ok := a["query-scheduler.ring.prefix"]; ok && !strings.HasPrefix(name, "ruler-") {
				t.Errorf("%s %s sets -query-scheduler.ring.prefix=%q; only the ruler's schedulers have their own", env, name, v)
			}
		}
		if got := args(t, r.workload("ruler-query-scheduler"))["query-scheduler.ring.prefix"]; env == EnvMimir && got != "" {
			t.Errorf("dns-mode ruler-query-scheduler sets a ring prefix %q", got)
		}
	}
}
