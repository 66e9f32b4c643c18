package tankaenv

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Every Mimir pod of every mode carries what the local cluster and
// mimirctl's gates rely on.
func TestEveryMimirPod(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, tc.env, tc.overlay)
			for name, wl := range r.workloads() {
				c := container(t, wl)
				if !strings.HasPrefix(fmt.Sprint(c["image"]), "grafana/mimir:") {
					continue
				}
				checkMimirPod(t, name, wl, c)
			}
		})
	}
}

func checkMimirPod(t *testing.T, name string, wl *unstructured.Unstructured, c map[string]any) {
	t.Helper()
	a := args(t, wl)
	want := map[string]string{
		"runtime-config.file":          "/etc/mimir/overrides.yaml",
		"runtime-config.reload-period": "5s",
		"auth.multitenancy-enabled":    "true",
		"server.http-listen-port":      "8080",
		"server.grpc-listen-port":      "9095",
		"usage-stats.enabled":          "false",
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s: -%s = %q, want %q", name, k, a[k], v)
		}
	}
	if a["target"] == "" {
		t.Errorf("%s has no -target", name)
	}
	// Ring members advertise the pod's own address and name.
	for k, v := range a {
		if strings.HasSuffix(k, ".instance-addr") && v != "$(POD_IP)" {
			t.Errorf("%s: -%s = %q, want $(POD_IP)", name, k, v)
		}
		if strings.HasSuffix(k, ".instance-id") && v != "$(POD_NAME)" {
			t.Errorf("%s: -%s = %q, want $(POD_NAME)", name, k, v)
		}
	}
	env := fmt.Sprint(c["env"])
	for _, want := range []string{"POD_NAME", "metadata.name", "POD_IP", "status.podIP"} {
		if !strings.Contains(env, want) {
			t.Errorf("%s: env %s lacks %s", name, env, want)
		}
	}
	probe, _, _ := unstructured.NestedMap(c, "readinessProbe", "httpGet")
	if probe["path"] != "/ready" || fmt.Sprint(probe["port"]) != "8080" {
		t.Errorf("%s: readiness probe %v, want GET /ready on 8080", name, probe)
	}
	ports := map[string]string{}
	for _, p := range c["ports"].([]any) {
		pm := p.(map[string]any)
		ports[fmt.Sprint(pm["name"])] = fmt.Sprint(pm["containerPort"])
	}
	if ports["http-metrics"] != "8080" || ports["grpc"] != "9095" {
		t.Errorf("%s: ports %v, want http-metrics 8080 and grpc 9095", name, ports)
	}
	gossips := podLabels(wl)["gossip_ring_member"] == "true"
	if _, joins := a["memberlist.join"]; joins != gossips {
		t.Errorf("%s: joins memberlist = %v but gossip_ring_member label = %v", name, joins, gossips)
	}
	if (ports["gossip-ring"] == "7946") != gossips {
		t.Errorf("%s: gossip-ring port %q but gossip_ring_member = %v", name, ports["gossip-ring"], gossips)
	}
	volumes := fmt.Sprint(wl.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["volumes"])
	for _, want := range []string{"overrides", "object-storage", "DirectoryOrCreate"} {
		if !strings.Contains(volumes, want) {
			t.Errorf("%s: volumes %s lack %s", name, volumes, want)
		}
	}
	if g, _, _ := unstructured.NestedInt64(wl.Object, "spec", "template", "spec", "terminationGracePeriodSeconds"); g != 60 {
		t.Errorf("%s: terminationGracePeriodSeconds = %d, want 60", name, g)
	}
}

// Names, labels and annotations of the zone StatefulSets, as in the real
// library, and the zone each one runs in.
func TestZoneStatefulSets(t *testing.T) {
	r := mustRender(t, EnvMimir, config(map[string]any{"deployment_mode": "migration"}))
	groups := map[string]struct {
		claim, maxUnavailable string
	}{
		"ingester":      {"ingester-data", "50"},
		"store-gateway": {"store-gateway-data", "50"},
		"mimir-write":   {"mimir-write-data", "25"},
		"mimir-backend": {"mimir-backend-data", "10"},
	}
	for group, want := range groups {
		for _, zone := range []string{"zone-a", "zone-b", "zone-c"} {
			name := group + "-" + zone
			sts := r.get("StatefulSet", name)
			if l := sts.GetLabels(); l["rollout-group"] != group || l["name"] != name {
				t.Errorf("%s labels = %v", name, l)
			}
			if got := sts.GetAnnotations()["rollout-max-unavailable"]; got != want.maxUnavailable {
				t.Errorf("%s rollout-max-unavailable = %q, want %q", name, got, want.maxUnavailable)
			}
			pl := podLabels(sts)
			if pl["name"] != name || pl["rollout-group"] != group || pl["gossip_ring_member"] != "true" {
				t.Errorf("%s pod labels = %v", name, pl)
			}
			sel, _, _ := unstructured.NestedStringMap(sts.Object, "spec", "selector", "matchLabels")
			if len(sel) != 2 || sel["name"] != name || sel["rollout-group"] != group {
				t.Errorf("%s selector = %v, want name and rollout-group only", name, sel)
			}
			if s, _, _ := unstructured.NestedString(sts.Object, "spec", "updateStrategy", "type"); s != "RollingUpdate" {
				t.Errorf("%s update strategy = %s, want RollingUpdate (no rollout-operator locally)", name, s)
			}
			claims, _, _ := unstructured.NestedSlice(sts.Object, "spec", "volumeClaimTemplates")
			if got := fmt.Sprint(claims); !strings.Contains(got, "name:"+want.claim) {
				t.Errorf("%s claims %s, want %s", name, got, want.claim)
			}
			aff := fmt.Sprint(sts.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["affinity"])
			for _, want := range []string{"topology.kubernetes.io/zone", zone, "kubernetes.io/hostname", "NotIn", group} {
				if !strings.Contains(aff, want) {
					t.Errorf("%s affinity %s lacks %s", name, aff, want)
				}
			}
			zoneFlag := "ingester.ring.instance-availability-zone"
			if group == "store-gateway" || group == "mimir-backend" {
				zoneFlag = "store-gateway.sharding-ring.instance-availability-zone"
			}
			if got := args(t, sts)[zoneFlag]; got != zone {
				t.Errorf("%s -%s = %q, want %q", name, zoneFlag, got, zone)
			}
		}
	}
}

func TestOnDeleteKnob(t *testing.T) {
	r := mustRender(t, EnvMimir, config(map[string]any{"multi_zone_update_strategy": "OnDelete"}))
	for _, name := range []string{"ingester-zone-a", "store-gateway-zone-c"} {
		if s, _, _ := unstructured.NestedString(r.get("StatefulSet", name).Object, "spec", "updateStrategy", "type"); s != "OnDelete" {
			t.Errorf("%s update strategy = %s, want OnDelete", name, s)
		}
	}
	if s, _, _ := unstructured.NestedString(r.get("StatefulSet", "compactor").Object, "spec", "updateStrategy", "type"); s != "RollingUpdate" {
		t.Errorf("compactor (no rollout group) update strategy = %s, want RollingUpdate", s)
	}
}

// The test-sized waits mimirctl reads back from /config, on the
// components that use them.
func TestTestSizedWaits(t *testing.T) {
	r := mustRender(t, EnvMimir, config(map[string]any{"deployment_mode": "migration"}))
	want := map[string]map[string]string{
		"querier":    {"querier.query-store-after": "1m", "blocks-storage.bucket-store.sync-interval": "15s"},
		"ruler":      {"querier.query-store-after": "1m"},
		"mimir-read": {"querier.query-store-after": "1m"},
		"store-gateway-zone-a": {
			"blocks-storage.bucket-store.sync-interval":                            "15s",
			"blocks-storage.bucket-store.ignore-blocks-within":                     "0s",
			"blocks-storage.bucket-store.metadata-cache.bucket-index-content-ttl":  "1m",
			"blocks-storage.bucket-store.metadata-cache.tenants-list-ttl":          "1m",
			"blocks-storage.bucket-store.metadata-cache.tenant-blocks-list-ttl":    "1m",
			"blocks-storage.bucket-store.metadata-cache.metafile-doesnt-exist-ttl": "1m",
		},
		"compactor":            {"compactor.cleanup-interval": "15s"},
		"mimir-backend-zone-b": {"compactor.cleanup-interval": "15s", "blocks-storage.bucket-store.sync-interval": "15s"},
		"ingester-zone-a": {
			"blocks-storage.tsdb.ship-interval":            "15s",
			"ingester.ring.min-ready-duration":             "5s",
			"ingester.ring.heartbeat-period":               "5s",
			"blocks-storage.tsdb.head-compaction-interval": "15s",
		},
		"mimir-write-zone-c": {"blocks-storage.tsdb.ship-interval": "15s", "ingester.ring.min-ready-duration": "5s"},
	}
	for name, flags := range want {
		a := args(t, r.workload(name))
		for k, v := range flags {
			if a[k] != v {
				t.Errorf("%s: -%s = %q, want %q", name, k, a[k], v)
			}
		}
	}
	// Knobs change them.
	r = mustRender(t, EnvMimir, config(map[string]any{"query_store_after": "12h", "compactor_cleanup_interval": "15m"}))
	if got := args(t, r.workload("querier"))["querier.query-store-after"]; got != "12h" {
		t.Errorf("query_store_after knob: querier has %q", got)
	}
	if got := args(t, r.workload("compactor"))["compactor.cleanup-interval"]; got != "15m" {
		t.Errorf("compactor_cleanup_interval knob: compactor has %q", got)
	}
}

// Hidden *_args objects reach the containers, and a null drops a flag.
func TestArgsOverrides(t *testing.T) {
	r := mustRender(t, EnvMimir, nil, `{
  distributor_args+:: { 'distributor.ingestion-rate-limit': 50000 },
  querier_args+:: { 'querier.max-concurrent': 4, 'querier.query-store-after': null },
  ingester_zone_b_args+:: { 'ingester.max-global-series-per-user': 1000 },
}`)
	if got := args(t, r.workload("distributor"))["distributor.ingestion-rate-limit"]; got != "50000" {
		t.Errorf("distributor_args override: %q", got)
	}
	q := args(t, r.workload("querier"))
	if q["querier.max-concurrent"] != "4" {
		t.Errorf("querier_args override: %v", q)
	}
	if _, ok := q["querier.query-store-after"]; ok {
		t.Error("a null in querier_args does not drop the flag")
	}
	if got := args(t, r.workload("ingester-zone-b"))["ingester.max-global-series-per-user"]; got != "1000" {
		t.Errorf("ingester_zone_b_args override: %q", got)
	}
	if _, ok := args(t, r.workload("ingester-zone-a"))["ingester.max-global-series-per-user"]; ok {
		t.Error("ingester_zone_b_args reaches zone a")
	}
}

func TestGossipRingService(t *testing.T) {
	r := mustRender(t, EnvMimir, nil)
	svc := r.get("Service", "gossip-ring")
	spec := svc.Object["spec"].(map[string]any)
	if spec["clusterIP"] != "None" || spec["publishNotReadyAddresses"] != true {
		t.Errorf("gossip-ring is not headless with not-ready addresses: %v", spec)
	}
	if got := fmt.Sprint(spec["selector"]); got != "map[gossip_ring_member:true]" {
		t.Errorf("gossip-ring selector = %s", got)
	}
	if got := fmt.Sprint(spec["ports"]); !strings.Contains(got, "port:7946") {
		t.Errorf("gossip-ring ports = %s", got)
	}
	if got := args(t, r.workload("ingester-zone-a"))["memberlist.join"]; got != "dns+gossip-ring.mimir.svc.cluster.local:7946" {
		t.Errorf("-memberlist.join = %q", got)
	}
}

func TestEnvironmentMetadata(t *testing.T) {
	for env, ns := range map[string]string{EnvMimir: "mimir", EnvMimirKV: "mimir-kv"} {
		r := mustRender(t, env, nil)
		spec := r.res.Env.Spec.Spec
		if spec.Namespace != ns || !spec.InjectLabels {
			t.Errorf("%s spec: namespace %q injectLabels %v", env, spec.Namespace, spec.InjectLabels)
		}
		for _, o := range r.res.Objects {
			if o.GetKind() != "Namespace" && o.GetNamespace() != ns {
				t.Errorf("%s: %s %s in namespace %q", env, o.GetKind(), o.GetName(), o.GetNamespace())
			}
			if o.GetLabels()["tanka.dev/environment"] == "" {
				t.Errorf("%s: %s %s lacks the tanka.dev/environment label", env, o.GetKind(), o.GetName())
			}
		}
		// Each environment has a bucket of its own under the local
		// cluster's state directory.
		volumes := fmt.Sprint(r.workload("compactor").Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["volumes"])
		if want := "/tmp/mctl-localcluster/object-storage/" + ns; !strings.Contains(volumes, want) {
			t.Errorf("%s: bucket volume %s, want hostPath %s", env, volumes, want)
		}
	}
}
