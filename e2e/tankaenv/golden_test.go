package tankaenv

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// goldenCases are the configurations whose full summary is reviewed in
// testdata/*.txt: the environments as checked in and the states mimirctl's
// plans pass through.
var goldenCases = []struct {
	file    string
	env     string
	overlay *tanka.Overlay
}{
	{"mimir-microservices.txt", EnvMimir, nil},
	{"mimir-migration-0.txt", EnvMimir, config(map[string]any{
		"deployment_mode": "migration", "mimir_write_replicas": 0, "mimir_read_replicas": 0, "mimir_backend_replicas": 0,
	})},
	{"mimir-migration-1.txt", EnvMimir, config(map[string]any{
		"deployment_mode": "migration", "mimir_write_replicas": 1, "mimir_read_replicas": 1, "mimir_backend_replicas": 1,
	})},
	{"mimir-read-write.txt", EnvMimir, config(map[string]any{"deployment_mode": "read-write"})},
	{"mimir-single-zone.txt", EnvMimir, config(map[string]any{
		"multi_zone_ingester_enabled": false, "multi_zone_store_gateway_enabled": false,
	})},
	{"mimir-ruler-remote-evaluation.txt", EnvMimir, config(map[string]any{
		"ruler_remote_evaluation_enabled": true, "autoscaling_querier_enabled": true, "autoscaling_ruler_querier_enabled": true,
	})},
	{"mimir-kv-consul-etcd.txt", EnvMimirKV, nil},
	{"mimir-kv-multikv-migration.txt", EnvMimirKV, config(map[string]any{
		"memberlist_ring_enabled": true, "multikv_migration_enabled": true,
		"ha_tracker_kvstore": "multi", "ha_tracker_multikv_primary": "etcd", "ha_tracker_multikv_secondary": "memberlist",
	})},
}

func TestGoldenSummaries(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, tc.env, tc.overlay)
			checkGolden(t, tc.file, summarize(r.res.Objects))
		})
	}
}

// mimirctl adds its overlay with tanka.Init, which refuses main.jsonnet
// shapes it cannot extend and checks that the import alone changes
// nothing: both environments must pass that check.
func TestRenderThroughInit(t *testing.T) {
	for _, env := range []string{EnvMimir, EnvMimirKV} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			root, err := Copy(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			before, err := tanka.Load(context.Background(), filepath.Join(root, env), tanka.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Render(context.Background(), root, env, config(map[string]any{"querier_replicas": 2}))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Objects) != len(before.Objects) {
				t.Errorf("the overlay changed the number of objects: %d → %d", len(before.Objects), len(res.Objects))
			}
			for _, o := range res.Objects {
				if o.GetKind() == "Deployment" && o.GetName() == "querier" {
					if got := replicas(t, o); got != 2 {
						t.Errorf("querier replicas = %d through the overlay, want 2", got)
					}
					return
				}
			}
			t.Error("no querier Deployment rendered")
		})
	}
}
