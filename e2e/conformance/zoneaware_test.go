//go:build conformance

package conformance

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
	"github.com/mimirctl/mimirctl/plans"
)

// TestZoneAwareMigrationKeepsTheGuidesOrder renders single-zone-to-zone-aware
// step by step on Grafana's library and checks what the Helm guide's
// per-step values do to the clients (docs/internal/multizone-migration-review-help):
// no distributor, ruler or querier is zone-aware for ingesters before the
// write path step; distributors and rulers are from it on, queriers only
// from the read path step; queriers and rulers read the store-gateways'
// multi-zone/ ring only from the store-gateway read path step on; the old
// ingesters run in zone-default with flush on shutdown while they exist.
// The library checks no order and its path knobs default on, so a plan
// that left one knob out would move a path too early without failing any
// render.
func TestZoneAwareMigrationKeepsTheGuidesOrder(t *testing.T) {
	k8sLib := kubernetesLibrary(t)
	for _, v := range mimirVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			operations := filepath.Join(moduleDir(t, "github.com/grafana/mimir@"+v.Module), "operations")
			const start = "test-multi-zone"
			root := project(t, k8sLib, operations, nil, []string{start})
			envDir := filepath.Join(root, "environments", "order")
			editedEnvironment(t, operations, envDir, start, []string{start}, withoutMultiZone)
			p, err := plan.Load(plans.FS, "single-zone-to-zone-aware", plan.LoadOptions{Registry: engine.Registry(),
				Params: map[string]string{"ingesterReplicas": "3", "storeGatewayReplicas": "3"}})
			if err != nil {
				t.Fatal(err)
			}
			overlay := &tanka.Overlay{}
			// The phase each client is in: before or after its path step.
			writeZoneAware, readZoneAware, storeGatewayZones, oldIngestersZoned := false, false, false, false
			for _, s := range jsonnetSteps(p) {
				for _, ch := range s.changes {
					ch.ApplyTo(overlay)
				}
				switch s.id {
				case "1.2-store-gateway-read-path":
					storeGatewayZones = true
				case "2.5-write-path-zone-aware":
					writeZoneAware = true
				case "2.6-read-path-zone-aware":
					readZoneAware = true
				case "2.2-zone-ingesters-at-0":
					oldIngestersZoned = true
				case "2.9-migration-done":
					oldIngestersZoned = false
				}
				st, err := render(envDir, overlay)
				if err != nil {
					t.Fatalf("step %s: %v", s.id, err)
				}
				args := containerArgs(st.objects)
				want := map[string]map[string]string{ // workload → flag → value ("" absent or false)
					"distributor": {"ingester.ring.zone-awareness-enabled": truth(writeZoneAware)},
					"ruler":       {"ingester.ring.zone-awareness-enabled": truth(writeZoneAware), "store-gateway.sharding-ring.prefix": prefix(storeGatewayZones)},
					"querier":     {"ingester.ring.zone-awareness-enabled": truth(readZoneAware), "store-gateway.sharding-ring.prefix": prefix(storeGatewayZones)},
				}
				for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
					// The old ingesters' zone reaches the zone ingesters through
					// ingester_args; each must still run in its own zone.
					if got, found := workloadArgs(args, "ingester-"+z); found {
						if g := last(got["ingester.ring.instance-availability-zone"]); g != z {
							t.Errorf("Mimir %s, step %s: ingester-%s runs in zone %q", v.Name, s.id, z, g)
						}
					}
				}
				if oldIngestersZoned {
					want["ingester"] = map[string]string{"ingester.ring.instance-availability-zone": "zone-default", "blocks-storage.tsdb.flush-blocks-on-shutdown": "true"}
				}
				for workload, flags := range want {
					got, found := workloadArgs(args, workload)
					if !found {
						t.Errorf("Mimir %s, step %s: no %s rendered", v.Name, s.id, workload)
						continue
					}
					for flag, w := range flags {
						// "" wants the flag absent, or false.
						if g := last(got[flag]); g != w && (w != "" || g != "false") {
							t.Errorf("Mimir %s, step %s: %s runs with -%s=%q, want %q", v.Name, s.id, workload, flag, g, w)
						}
					}
				}
			}
		})
	}
}

func truth(b bool) string {
	if b {
		return "true"
	}
	return ""
}

func prefix(zones bool) string {
	if zones {
		return "multi-zone/"
	}
	return ""
}

func last(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[len(values)-1]
}

// workloadArgs is the flags of a container of the Deployment or StatefulSet
// called name (containerArgs keys: "apiVersion Kind/namespace/name container").
func workloadArgs(args map[string]map[string][]string, name string) (map[string][]string, bool) {
	for k, flags := range args {
		if parts := strings.SplitN(k, " ", 3); len(parts) == 3 && strings.HasSuffix(parts[1], "/"+name) {
			return flags, true
		}
	}
	return nil, false
}
