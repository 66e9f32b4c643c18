package tankaenv

import (
	"strings"
	"testing"
)

// Objects of each deployment mode, by Kind/name.
var (
	microservicesObjects = []string{
		"Deployment/distributor", "Deployment/querier", "Deployment/query-frontend", "Deployment/query-scheduler",
		"Deployment/ruler", "Deployment/overrides-exporter", "StatefulSet/compactor",
		"StatefulSet/ingester-zone-a", "StatefulSet/ingester-zone-b", "StatefulSet/ingester-zone-c",
		"StatefulSet/store-gateway-zone-a", "StatefulSet/store-gateway-zone-b", "StatefulSet/store-gateway-zone-c",
		"Service/distributor", "Service/querier", "Service/query-frontend", "Service/query-scheduler",
		"Service/query-scheduler-discovery", "Service/ruler", "Service/compactor", "Service/overrides-exporter",
		"Service/ingester-zone-a", "Service/ingester-zone-b", "Service/ingester-zone-c",
		"Service/store-gateway-zone-a", "Service/store-gateway-zone-b", "Service/store-gateway-zone-c",
		"Service/store-gateway-multi-zone", "PodDisruptionBudget/ingester-rollout-pdb",
	}
	readWriteObjects = []string{
		"StatefulSet/mimir-write-zone-a", "StatefulSet/mimir-write-zone-b", "StatefulSet/mimir-write-zone-c",
		"Deployment/mimir-read",
		"StatefulSet/mimir-backend-zone-a", "StatefulSet/mimir-backend-zone-b", "StatefulSet/mimir-backend-zone-c",
		"Service/mimir-write", "Service/mimir-write-zone-a", "Service/mimir-write-zone-b", "Service/mimir-write-zone-c",
		"Service/mimir-read", "Service/mimir-read-headless",
		"Service/mimir-backend", "Service/mimir-backend-zone-a", "Service/mimir-backend-zone-b", "Service/mimir-backend-zone-c",
		"PodDisruptionBudget/mimir-write-rollout-pdb", "PodDisruptionBudget/mimir-backend-rollout-pdb",
	}
	sharedObjects = []string{"Namespace/mimir", "ConfigMap/overrides", "Service/gossip-ring"}
)

func TestDeploymentModes(t *testing.T) {
	cases := []struct {
		name         string
		mode         string
		want, absent [][]string
	}{
		{"microservices renders only the microservices", "microservices",
			[][]string{microservicesObjects, sharedObjects}, [][]string{readWriteObjects}},
		{"migration renders both sets", "migration",
			[][]string{microservicesObjects, readWriteObjects, sharedObjects}, nil},
		{"read-write renders only mimir-write, mimir-read and mimir-backend", "read-write",
			[][]string{readWriteObjects, sharedObjects}, [][]string{microservicesObjects}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, EnvMimir, config(map[string]any{"deployment_mode": tc.mode}))
			for _, set := range tc.want {
				for _, id := range set {
					if !r.hasID(id) {
						t.Errorf("%s is missing", id)
					}
				}
			}
			for _, set := range tc.absent {
				for _, id := range set {
					if r.hasID(id) {
						t.Errorf("%s is rendered, want it absent in %s mode", id, tc.mode)
					}
				}
			}
		})
	}
}

// Read-write StatefulSets hold ceil(replicas/3) pods per zone, so 1 gives
// one pod in every zone and 4 gives two.
func TestReadWriteReplicasPerZone(t *testing.T) {
	for _, tc := range []struct {
		total, perZone int64
	}{{0, 0}, {1, 1}, {3, 1}, {4, 2}} {
		r := mustRender(t, EnvMimir, config(map[string]any{
			"deployment_mode": "migration", "mimir_write_replicas": tc.total, "mimir_backend_replicas": tc.total, "mimir_read_replicas": tc.total,
		}))
		for _, name := range []string{"mimir-write-zone-a", "mimir-write-zone-c", "mimir-backend-zone-b"} {
			if got := replicas(t, r.get("StatefulSet", name)); got != tc.perZone {
				t.Errorf("replicas %d: %s has %d pods, want %d", tc.total, name, got, tc.perZone)
			}
		}
		if got := replicas(t, r.get("Deployment", "mimir-read")); got != tc.total {
			t.Errorf("mimir_read_replicas %d: mimir-read has %d", tc.total, got)
		}
	}
}

// Without zone awareness the library renders the plain StatefulSets, so
// turning it on really changes the objects.
func TestZoneAwarenessOff(t *testing.T) {
	r := mustRender(t, EnvMimir, config(map[string]any{
		"multi_zone_ingester_enabled": false, "multi_zone_store_gateway_enabled": false,
	}))
	for _, name := range []string{"ingester", "store-gateway"} {
		sts := r.get("StatefulSet", name)
		if got := replicas(t, sts); got != 3 {
			t.Errorf("%s replicas = %d, want 3", name, got)
		}
		if _, ok := sts.GetLabels()["rollout-group"]; ok {
			t.Errorf("%s carries rollout-group without zone awareness", name)
		}
	}
	for _, gone := range []string{"StatefulSet/ingester-zone-a", "StatefulSet/store-gateway-zone-a", "Service/store-gateway-multi-zone"} {
		if r.hasID(gone) {
			t.Errorf("%s rendered without zone awareness", gone)
		}
	}
	a := args(t, r.get("Deployment", "querier"))
	if a["ingester.ring.zone-awareness-enabled"] != "false" || a["store-gateway.sharding-ring.prefix"] != "" {
		t.Errorf("querier reads rings as zone-aware without zone awareness: %v", a)
	}
}

func TestMultiZoneReplicas(t *testing.T) {
	r := mustRender(t, EnvMimir, config(map[string]any{"multi_zone_ingester_replicas": 6, "multi_zone_store_gateway_replicas": 0}))
	if got := replicas(t, r.get("StatefulSet", "ingester-zone-b")); got != 2 {
		t.Errorf("6 zone-aware ingesters give %d per zone, want 2", got)
	}
	if got := replicas(t, r.get("StatefulSet", "store-gateway-zone-c")); got != 0 {
		t.Errorf("multi_zone_store_gateway_replicas 0 gives %d per zone, want 0", got)
	}
}

// The asserts of the real library's read-write mode, with its messages.
func TestReadWriteAsserts(t *testing.T) {
	cases := []struct {
		name   string
		config map[string]any
		images string
		want   string
	}{
		{"read-write needs zone-aware ingesters",
			map[string]any{"deployment_mode": "read-write", "multi_zone_ingester_enabled": false},
			"", "please set multi_zone_ingester_enabled to true"},
		{"migration needs zone-aware store-gateways",
			map[string]any{"deployment_mode": "migration", "multi_zone_store_gateway_enabled": false},
			"", "please set multi_zone_store_gateway_enabled to true"},
		{"read-write needs memberlist rings",
			map[string]any{"deployment_mode": "read-write", "memberlist_ring_enabled": false},
			"", "please set memberlist_ring_enabled to true"},
		{"read-write needs compactor_max_concurrency 1",
			map[string]any{"deployment_mode": "read-write", "compactor_max_concurrency": 2},
			"", "please set compactor_max_concurrency to 1"},
		{"read-write refuses querier autoscaling",
			map[string]any{"deployment_mode": "read-write", "autoscaling_querier_enabled": true},
			"", "please set autoscaling_querier_enabled to false"},
		{"read-write refuses ruler remote evaluation",
			map[string]any{"deployment_mode": "read-write", "ruler_remote_evaluation_enabled": true},
			"", "please set ruler_remote_evaluation_enabled to false"},
		{"read-write refuses the overrides-exporter microservice",
			map[string]any{"deployment_mode": "read-write", "overrides_exporter_enabled": true},
			"", "please set overrides_exporter_enabled to false"},
		{"mimir-read autoscaling needs its bounds",
			map[string]any{"deployment_mode": "migration", "autoscaling_mimir_read_enabled": true},
			"", "please set autoscaling_mimir_read_"},
		{"unknown deployment mode",
			map[string]any{"deployment_mode": "monolithic"},
			"", `unsupported deployment mode "monolithic"`},
		{"read-write mode on Mimir 3",
			map[string]any{"deployment_mode": "migration"},
			"{ _images+:: { mimir: 'grafana/mimir:3.0.5' } }", "read-write deployment mode needs Mimir 2.x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var snippets []string
			if tc.images != "" {
				snippets = append(snippets, tc.images)
			}
			_, err := renderEnv(t, EnvMimir, config(tc.config), snippets...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("render error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// Read-write mode discovers query-schedulers through their ring; so does
// migration, where microservices and read-write components share it.
func TestQuerySchedulerDiscovery(t *testing.T) {
	micro := mustRender(t, EnvMimir, nil)
	if got := args(t, micro.get("Deployment", "querier"))["querier.scheduler-address"]; got != "query-scheduler-discovery.mimir.svc.cluster.local:9095" {
		t.Errorf("microservices querier scheduler address = %q", got)
	}
	if got := args(t, micro.get("Deployment", "query-frontend"))["query-frontend.scheduler-address"]; got != "query-scheduler-discovery.mimir.svc.cluster.local:9095" {
		t.Errorf("microservices query-frontend scheduler address = %q", got)
	}
	mig := mustRender(t, EnvMimir, config(map[string]any{"deployment_mode": "migration"}))
	for _, name := range []string{"querier", "query-frontend", "query-scheduler", "mimir-read"} {
		a := args(t, mig.get("Deployment", name))
		if a["query-scheduler.service-discovery-mode"] != "ring" || a["query-scheduler.ring.store"] != "memberlist" {
			t.Errorf("migration %s does not use the query-scheduler ring: %v", name, a)
		}
		if podLabels(mig.get("Deployment", name))["gossip_ring_member"] != "true" {
			t.Errorf("migration %s does not gossip", name)
		}
	}
	if a := args(t, mig.get("StatefulSet", "mimir-backend-zone-a")); a["query-scheduler.ring.instance-addr"] != "$(POD_IP)" {
		t.Errorf("mimir-backend does not join the query-scheduler ring: %v", a)
	}
}
