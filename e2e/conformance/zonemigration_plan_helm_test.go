//go:build conformance

package conformance

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
)

// guideState is where the Helm guide "Migrate from single zone to
// zone-aware replication" is at a step of the plan: its store-gateway and
// ingester values files (docs/internal/multizone-migration-review-help/
// <component>/<component>-step<i>.yaml, 0 for none yet), the read path's
// shuffle sharding turned off by hand (querier and ruler extraArgs), and
// the series limits doubled in the user's values.
type guideState struct {
	storeGateway, ingester int
	shuffleOff, doubled    bool
}

// singleZoneGuide maps each step of single-zone-to-zone-aware (Helm,
// without store-gateway downtime, shuffleSharding on, 3 ingesters in one
// batch) to the guide's state it must render.
var singleZoneGuide = map[string]guideState{
	"1.1-store-gateway-zones":              {storeGateway: 1},
	"1.2-store-gateway-read-path":          {storeGateway: 2},
	"1.3-old-store-gateways-stopped":       {storeGateway: 2},
	"1.4-old-store-gateways-removed":       {storeGateway: 3},
	"2.2-zone-ingesters-at-0":              {storeGateway: 3, ingester: 1, doubled: true},
	"2.3-zone-ingesters-3":                 {storeGateway: 3, ingester: 2, doubled: true},
	"2.4-read-path-shuffle-sharding-off":   {storeGateway: 3, ingester: 2, doubled: true, shuffleOff: true},
	"2.5-write-path-zone-aware":            {storeGateway: 3, ingester: 3, doubled: true, shuffleOff: true},
	"2.6-read-path-zone-aware":             {storeGateway: 3, ingester: 4, doubled: true, shuffleOff: true},
	"2.7-old-zone-excluded":                {storeGateway: 3, ingester: 5, doubled: true, shuffleOff: true},
	"2.8-old-ingesters-shut-down":          {storeGateway: 3, ingester: 6, doubled: true, shuffleOff: true},
	"2.9-migration-done":                   {storeGateway: 3, ingester: 7, doubled: true, shuffleOff: true},
	"2.10-read-path-shuffle-sharding-on":   {storeGateway: 3, ingester: 7, doubled: true, shuffleOff: true},
	"2.11-read-path-shuffle-sharding-back": {storeGateway: 3, ingester: 7, doubled: true},
	"2.12-series-limits-back":              {storeGateway: 3, ingester: 7},
}

// singleZoneUserValues is a single-zone release as the guide's base.yaml
// describes it, with three store-gateways and series limits in each place
// a Helm user sets them: a tenant's runtime override and the runtime
// ingester limit (the per-user default is left to Mimir, 150000).
const singleZoneUserValues = `
store_gateway:
  replicas: 3
mimir:
  structuredConfig:
    limits:
      max_global_series_per_metric: 20000
runtimeConfig:
  overrides:
    team.a:
      max_global_series_per_user: 400000
    team-b:
      ingestion_rate: 50000
  ingester_limits:
    max_series: 1000000
`

// TestSingleZoneToZoneAwareOnGrafanasChart runs the Helm flavour of
// single-zone-to-zone-aware against the mimir-distributed chart of each
// module: after every step, the release rendered with the values the plan
// has written so far equals, object for object, the release rendered with
// the guide's own values for the same point of the procedure (the review
// help's per-step files, passed as the guide says, plus the shuffle
// sharding flags and the doubled limits it has the user write by hand).
// The doubled limits are resolved from the render as the helmValues action
// resolves them and checked against the numbers the user's values give;
// each Mimir configuration the steps render is accepted by a real Mimir of
// that version; the replicas guard refuses a parameter the values do not
// give.
func TestSingleZoneToZoneAwareOnGrafanasChart(t *testing.T) {
	for _, v := range helmChartVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			mod, _, chartDir := grafanaChart(t, v)
			guideDir := filepath.Join(mod, "docs", "internal", "multizone-migration-review-help")
			user := filepath.Join(t.TempDir(), "user.yaml")
			if err := os.WriteFile(user, []byte(singleZoneUserValues), 0o600); err != nil {
				t.Fatal(err)
			}
			env := helmenv.Environment{Chart: chartDir, Release: "mimir", Namespace: "mimir", ValuesFiles: []string{filepath.Join(guideDir, "base.yaml"), user}}
			mimirBin := mimirBinaryFor(t, v)
			render := func(values map[string]any) []*unstructured.Unstructured {
				t.Helper()
				out, err := env.Render(context.Background(), values, helmenv.Capabilities{})
				if err != nil {
					t.Fatal(err)
				}
				return out.Objects
			}
			renderErr := func(values map[string]any) ([]*unstructured.Unstructured, error) {
				return render(values), nil
			}
			p := loadHelmPlan(t, "single-zone-to-zone-aware", map[string]string{"ingesterReplicas": "3", "storeGatewayReplicas": "3"})
			wrong := loadHelmPlan(t, "single-zone-to-zone-aware", map[string]string{"ingesterReplicas": "6", "storeGatewayReplicas": "3"})
			for _, s := range wrong.Steps {
				if s.ID != "2.2-zone-ingesters-at-0" {
					continue
				}
				merged, err := env.ChartValues(stepActions(t, s)[0].ApplyTo(nil))
				if err != nil {
					t.Fatal(err)
				}
				if err := stepActions(t, s)[0].CheckExpectedValues(merged); err == nil || !strings.Contains(err.Error(), "pass -p ingesterReplicas=3") {
					t.Errorf("ingesterReplicas=6 on a release of 3 ingesters: %v, want a refusal naming -p ingesterReplicas=3", err)
				}
			}
			var values map[string]any
			var doubled map[string]any
			lastConfig := ""
			seen := map[string]bool{}
			for _, s := range p.Steps {
				want, ok := singleZoneGuide[s.ID]
				if !ok {
					t.Fatalf("step %s has no guide state in singleZoneGuide", s.ID)
				}
				seen[s.ID] = true
				for _, a := range s.Actions {
					hs, ok := a.Spec.(*envchange.HelmValuesSpec)
					if !ok {
						continue
					}
					r, unscaled, err := hs.Resolve(values, renderErr)
					if err != nil {
						t.Fatalf("step %s: %v", s.ID, err)
					}
					next := r.ApplyTo(values)
					if len(r.ExpectValues) > 0 {
						merged, err := env.ChartValues(next)
						if err != nil {
							t.Fatal(err)
						}
						if err := r.CheckExpectedValues(merged); err != nil {
							t.Errorf("step %s: %v", s.ID, err)
						}
					}
					if len(hs.ScaleLimits) > 0 {
						if _, err := envchange.CheckHelmScaled(render(next), unscaled, hs.ScaleLimits); err != nil {
							t.Errorf("step %s: %v", s.ID, err)
						}
						doubled = limitValues(next)
					}
					values = next
				}
				got := render(values)
				guide := renderGuide(t, env, guideDir, want, doubled)
				for _, d := range objectDifferences(got, guide) {
					t.Errorf("%s step %s (guide: store-gateway step %d, ingester step %d, shuffle sharding off %v, limits doubled %v): %s",
						v.Name, s.ID, want.storeGateway, want.ingester, want.shuffleOff, want.doubled, d)
				}
				for _, o := range got {
					if c, ok, _ := unstructured.NestedString(o.Object, "data", "mimir.yaml"); ok && o.GetKind() == "ConfigMap" && c != lastConfig {
						validateMimirConfig(t, mimirBin, c, got)
						lastConfig = c
					}
				}
			}
			for id := range singleZoneGuide {
				if !seen[id] {
					t.Errorf("singleZoneGuide lists step %s, which the plan does not have", id)
				}
			}
			// What the user's values give, doubled: Mimir's default per-user
			// limit, the configuration's per-metric limit, the tenant's
			// override (its dotted id a key), the runtime ingester limit.
			wantDoubled := map[string]any{
				"mimir":         map[string]any{"structuredConfig": map[string]any{"limits": map[string]any{"max_global_series_per_user": 300000.0, "max_global_series_per_metric": 40000.0}}},
				"runtimeConfig": map[string]any{"overrides": map[string]any{"team.a": map[string]any{"max_global_series_per_user": 800000.0}}, "ingester_limits": map[string]any{"max_series": 2000000.0}},
			}
			if !reflect.DeepEqual(doubled, wantDoubled) {
				t.Errorf("the limits step 2.2 wrote:\n%v\nwant\n%v", doubled, wantDoubled)
			}
			if limits := limitValues(values); len(limits) > 0 {
				t.Errorf("limits left in the values after the plan: %v", limits)
			}
		})
	}
}

// limitValues is what values hold under the paths scaleLimits writes.
func limitValues(values map[string]any) map[string]any {
	out := map[string]any{}
	if l, ok, _ := unstructured.NestedFieldNoCopy(values, "mimir", "structuredConfig", "limits"); ok {
		out["mimir"] = map[string]any{"structuredConfig": map[string]any{"limits": l}}
	}
	rt := map[string]any{}
	for _, k := range []string{"overrides", "ingester_limits"} {
		if x, ok, _ := unstructured.NestedFieldNoCopy(values, "runtimeConfig", k); ok {
			rt[k] = x
		}
	}
	if len(rt) > 0 {
		out["runtimeConfig"] = rt
	}
	return out
}

// renderGuide renders the release at the guide's state g: the user's
// values, the guide's values files of each component (<N> is 3), the
// shuffle sharding flags and the doubled limits as the last values.
func renderGuide(t *testing.T, env helmenv.Environment, dir string, g guideState, doubled map[string]any) []*unstructured.Unstructured {
	t.Helper()
	files := slices.Clone(env.ValuesFiles)
	for _, c := range []struct {
		name string
		step int
	}{{"storegateway", g.storeGateway}, {"ingester", g.ingester}} {
		if c.step == 0 {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, c.name, fmt.Sprintf("%s-step%d.yaml", c.name, c.step)))
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), c.name+".yaml")
		if err := os.WriteFile(f, []byte(strings.ReplaceAll(string(raw), "<N>", "3")), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	last := map[string]any{}
	if g.shuffleOff {
		for _, c := range []string{"querier", "ruler"} {
			last[c] = map[string]any{"extraArgs": map[string]any{"querier.shuffle-sharding-ingesters-enabled": "false"}}
		}
	}
	if g.doubled {
		maps.Copy(last, doubled)
	}
	env.ValuesFiles = files
	out, err := env.Render(context.Background(), last, helmenv.Capabilities{})
	if err != nil {
		t.Fatalf("the guide's values %v: %v", files, err)
	}
	return out.Objects
}

// objectDifferences compares two renders object by object (kind/name):
// objects only one has, and for each object both have but differently,
// the YAML lines that differ.
func objectDifferences(got, want []*unstructured.Unstructured) []string {
	index := func(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
		out := map[string]*unstructured.Unstructured{}
		for _, o := range objs {
			out[o.GetKind()+"/"+o.GetName()] = o
		}
		return out
	}
	g, w := index(got), index(want)
	var out []string
	for _, k := range unionKeys(keysOf(g), keysOf(w)) {
		a, aok := g[k]
		b, bok := w[k]
		switch {
		case !aok:
			out = append(out, k+" is rendered by the guide's values only")
		case !bok:
			out = append(out, k+" is rendered by the plan's values only")
		case !equality.Semantic.DeepEqual(a.Object, b.Object):
			ya, _ := yaml.Marshal(a.Object)
			yb, _ := yaml.Marshal(b.Object)
			removed, added := multisetDiff(strings.Split(string(yb), "\n"), strings.Split(string(ya), "\n"))
			out = append(out, fmt.Sprintf("%s differs: guide only %q, plan only %q", k, removed, added))
		}
	}
	slices.Sort(out)
	return out
}

// keysOf is m's keys as unionKeys takes them.
func keysOf(m map[string]*unstructured.Unstructured) map[string][]string {
	out := make(map[string][]string, len(m))
	for k := range m {
		out[k] = nil
	}
	return out
}
