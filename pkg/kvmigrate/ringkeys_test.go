package kvmigrate

import (
	"encoding/json"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/plans"
)

// The ring-kv-to-memberlist plan's default ringKeys find the ingester and
// distributor rings in memberlist whatever prefix the rings were configured
// with in Consul: Mimir's default prefix collectors/ (the
// -ingester.ring.prefix and -distributor.ring.prefix defaults), and the
// empty prefix Grafana's jsonnet sets for both (operations/mimir
// config.libsonnet and distributor.libsonnet), whose ring keys in
// memberlist are "ring" and "distributor" (seen on a Mimir 3.0.5 cluster
// deployed from it, e2e TestKVStoresMoveToMemberlist).
func TestRingKVPlanDefaultKeysMatchTheRingsUnderEveryPrefix(t *testing.T) {
	raw, err := plans.FS.ReadFile("ring-kv-to-memberlist/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Parameters []struct {
			Name    string          `json:"name"`
			Default json.RawMessage `json:"default"`
		} `json:"parameters"`
	}
	if err := yaml.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, param := range p.Parameters {
		if param.Name == "ringKeys" {
			if err := json.Unmarshal(param.Default, &patterns); err != nil {
				t.Fatalf("ringKeys default: %v", err)
			}
		}
	}
	if len(patterns) == 0 {
		t.Fatal("ring-kv-to-memberlist has no ringKeys default")
	}
	for name, live := range map[string][]string{
		"Mimir's default prefix": {"collectors/ring", "collectors/distributor", "collectors/compactor", "multi-zone/store-gateway"},
		"Grafana's jsonnet":      {"ring", "distributor", "compactor", "multi-zone/store-gateway", "collectors/querier"},
	} {
		for _, pat := range patterns {
			re, err := gate.WholeMatch(pat)
			if err != nil {
				t.Fatal(err)
			}
			if len(matching(live, re)) == 0 {
				t.Errorf("%s: no key of %v matches the default ringKeys pattern /%s/", name, live, pat)
			}
		}
	}
	// Only the ingester and distributor rings: not the ruler's (key ring
	// under Mimir's default prefix rulers/, which Grafana's ruler.libsonnet
	// keeps), the store-gateways', compactors', queriers' or an HA tracker
	// cluster named like a ring.
	for _, pat := range patterns {
		re, _ := gate.WholeMatch(pat)
		if m := matching([]string{"rulers/ring", "multi-zone/store-gateway", "compactor", "collectors/querier", "prom_ha/tenant/distributor", "alertmanagers/alertmanager"}, re); len(m) > 0 {
			t.Errorf("/%s/ matches %v", pat, m)
		}
	}
}
