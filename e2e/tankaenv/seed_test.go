package tankaenv

import (
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// The jsonnet of Mimir's "Migrate from microservices to read-write mode"
// (shared/seeds/microservices-to-read-write.txt), step 5 and step 7,
// verbatim but for the locals a real environment gets from k8s-libsonnet.
const (
	seedStep5 = `
local k = import 'k.libsonnet';
local deployment = k.apps.v1.deployment;
local statefulSet = k.apps.v1.statefulSet;
{
  // Configure microservices store-gateway to leave the ring.
  store_gateway_args+:: {
    'store-gateway.sharding-ring.unregister-on-shutdown': true,
  },

  mimir_backend_args+:: {
    'store-gateway.sharding-ring.unregister-on-shutdown': false,
  },
}
+
{
  _config+:: {
    multi_zone_store_gateway_replicas: 0,
    autoscaling_querier_enabled: false,
  },

  query_frontend_deployment+:
    deployment.mixin.spec.withReplicas(0),

  query_scheduler_deployment+:
    deployment.mixin.spec.withReplicas(0),

  querier_deployment+:
    deployment.mixin.spec.withReplicas(0),

  ruler_deployment+:
    deployment.mixin.spec.withReplicas(0),

  overrides_exporter_deployment+:
    deployment.mixin.spec.withReplicas(0),

  compactor_statefulset+:
    statefulSet.mixin.spec.withReplicas(0),
}
`
	// Step 7 through the library's own k8s helpers ($.apps.v1), as the real
	// library exposes ksonnet-util, and the newer spec.withReplicas form.
	seedStep7 = `
{
  distributor_deployment+:
    $.apps.v1.deployment.mixin.spec.withReplicas(0),
  ingester_zone_a_statefulset+:
    $.apps.v1.statefulSet.mixin.spec.withReplicas(0),
  ingester_zone_b_statefulset+:
    $.apps.v1.statefulSet.spec.withReplicas(0),
}
`
)

func TestSeedMixinSnippets(t *testing.T) {
	migration := config(map[string]any{
		"deployment_mode": "migration", "mimir_write_replicas": 3, "mimir_read_replicas": 1, "mimir_backend_replicas": 3,
	})
	r := mustRender(t, EnvMimir, migration, seedStep5, seedStep7)
	for _, id := range []string{
		"Deployment/query-frontend", "Deployment/query-scheduler", "Deployment/querier", "Deployment/ruler",
		"Deployment/overrides-exporter", "StatefulSet/compactor", "Deployment/distributor",
		"StatefulSet/ingester-zone-a", "StatefulSet/ingester-zone-b",
		"StatefulSet/store-gateway-zone-a", "StatefulSet/store-gateway-zone-c",
	} {
		kind, name, _ := strings.Cut(id, "/")
		if got := replicas(t, r.get(kind, name)); got != 0 {
			t.Errorf("%s has %d replicas after the seed's snippets, want 0", id, got)
		}
	}
	if got := replicas(t, r.get("StatefulSet", "ingester-zone-c")); got != 1 {
		t.Errorf("ingester-zone-c replicas = %d, want 1 (not yet scaled down)", got)
	}
	if got := args(t, r.get("StatefulSet", "store-gateway-zone-a"))["store-gateway.sharding-ring.unregister-on-shutdown"]; got != "true" {
		t.Errorf("store-gateway unregister-on-shutdown = %q, want true", got)
	}
	if got := args(t, r.get("StatefulSet", "mimir-backend-zone-a"))["store-gateway.sharding-ring.unregister-on-shutdown"]; got != "false" {
		t.Errorf("mimir-backend unregister-on-shutdown = %q, want false", got)
	}
}

// Without the mimir_backend_args half of step 5 the store-gateway override
// would reach mimir-backend: the reason the seed sets both.
func TestStoreGatewayArgsReachMimirBackend(t *testing.T) {
	r := mustRender(t, EnvMimir, &tanka.Overlay{
		Config: map[string]any{"deployment_mode": "migration"},
		Hidden: map[string]map[string]any{"store_gateway_args": {"store-gateway.sharding-ring.unregister-on-shutdown": true}},
	})
	if got := args(t, r.get("StatefulSet", "mimir-backend-zone-b"))["store-gateway.sharding-ring.unregister-on-shutdown"]; got != "true" {
		t.Errorf("mimir-backend unregister-on-shutdown = %q, want the store_gateway_args override (true)", got)
	}
	if got := args(t, r.get("StatefulSet", "mimir-backend-zone-b"))["store-gateway.sharding-ring.instance-availability-zone"]; got != "zone-b" {
		t.Errorf("mimir-backend-zone-b zone = %q", got)
	}
}

// The whole procedure as mimirctl's overlay would hold it after each step:
// every step renders, and the end state holds only read-write objects.
func TestSeedProcedureAsOverlays(t *testing.T) {
	ov := &tanka.Overlay{}
	zero := map[string]any{"spec": map[string]any{"replicas": 0}}
	steps := []struct {
		name  string
		delta tanka.Overlay
		check func(t *testing.T, r *rendered)
	}{
		{"1 zone awareness", tanka.Overlay{Config: map[string]any{
			"multi_zone_ingester_enabled": true, "multi_zone_store_gateway_enabled": true,
		}}, nil},
		{"2 read-write at 0", tanka.Overlay{Config: map[string]any{
			"deployment_mode": "migration", "mimir_write_replicas": 0, "mimir_read_replicas": 0,
			"mimir_backend_replicas": 0, "autoscaling_mimir_read_enabled": false,
		}}, func(t *testing.T, r *rendered) {
			if got := replicas(t, r.get("StatefulSet", "mimir-write-zone-a")); got != 0 {
				t.Errorf("mimir-write-zone-a replicas = %d, want 0", got)
			}
		}},
		{"3.1 read up", tanka.Overlay{Config: map[string]any{"mimir_read_replicas": 3}}, nil},
		{"4.1 backend up", tanka.Overlay{Config: map[string]any{"mimir_backend_replicas": 3}}, nil},
		{"5 microservices read and backend down", tanka.Overlay{
			Config: map[string]any{
				"multi_zone_store_gateway_replicas": 0, "autoscaling_querier_enabled": false,
				"ruler_remote_evaluation_enabled": false, "autoscaling_ruler_querier_enabled": false,
			},
			Hidden: map[string]map[string]any{
				"store_gateway_args": {"store-gateway.sharding-ring.unregister-on-shutdown": true},
				"mimir_backend_args": {"store-gateway.sharding-ring.unregister-on-shutdown": false},
			},
			Objects: map[string]any{
				"query_frontend_deployment": zero, "query_scheduler_deployment": zero, "querier_deployment": zero,
				"ruler_deployment": zero, "overrides_exporter_deployment": zero, "compactor_statefulset": zero,
			},
		}, func(t *testing.T, r *rendered) {
			for _, n := range []string{"query-frontend", "querier", "ruler"} {
				if got := replicas(t, r.get("Deployment", n)); got != 0 {
					t.Errorf("%s replicas = %d, want 0", n, got)
				}
			}
		}},
		{"6.1 write up", tanka.Overlay{Config: map[string]any{"mimir_write_replicas": 3}}, nil},
		{"7.1 distributors down", tanka.Overlay{Objects: map[string]any{"distributor_deployment": zero}}, nil},
		{"7.2 ingesters down", tanka.Overlay{Objects: map[string]any{
			"ingester_zone_a_statefulset": zero, "ingester_zone_b_statefulset": zero, "ingester_zone_c_statefulset": zero,
		}}, nil},
	}
	for _, st := range steps {
		ov.Merge(st.delta)
		r := mustRender(t, EnvMimir, ov.Clone())
		if st.check != nil {
			st.check(t, r)
		}
	}

	// Step 8: read-write mode renders the microservices objects as null; the
	// overlay's overrides of them leave them null (as with Grafana's library,
	// which nulls disabled components), so removing the overrides changes
	// nothing rendered.
	ov.Merge(tanka.Overlay{Config: map[string]any{"deployment_mode": "read-write"}})
	withStale := mustRender(t, EnvMimir, ov.Clone())
	for field := range ov.Objects {
		ov.RemoveObject(field)
	}
	ov.RemoveConfig("multi_zone_store_gateway_replicas")
	for _, id := range microservicesObjects {
		if withStale.hasID(id) {
			t.Errorf("%s is rendered in read-write mode because of its leftover override", id)
		}
	}
	r := mustRender(t, EnvMimir, ov)
	for _, id := range microservicesObjects {
		if r.hasID(id) {
			t.Errorf("%s is still rendered in read-write mode", id)
		}
	}
	for _, id := range readWriteObjects {
		if !r.hasID(id) {
			t.Errorf("%s is missing in read-write mode", id)
		}
	}
}
