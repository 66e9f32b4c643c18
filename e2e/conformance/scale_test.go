//go:build conformance

package conformance

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// TestScaleDoublesTheLibrarysSeriesLimits renders Grafana's test-multi-zone
// environment, with one tenant override added as an operator would, without
// and with an overlay that doubles the series limits the way the zone-aware
// migration guide asks (tanka.Overlay.Scale): the ingesters'
// -ingester.max-global-series-per-user (the library gives it to ingesters
// only) doubles in every zone, so does the
// tenant's limit in the runtime overrides, a tenant that sets no limit gets
// none, and no other object changes.
func TestScaleDoublesTheLibrarysSeriesLimits(t *testing.T) {
	k8sLib := kubernetesLibrary(t)
	const tenants = `
+ {
  _config+:: {
    overrides+: {
      'tenant-a': $._config.overrides.medium_user { max_global_series_per_user: 1000000 },
      'tenant-b': { ingestion_rate: 5000 },
    },
  },
}
`
	scale := &tanka.Overlay{Scale: map[string]float64{"limits.max_global_series_per_user": 2, "overrides.*.max_global_series_per_user": 2}}
	for _, v := range mimirVersions {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			operations := filepath.Join(moduleDir(t, "github.com/grafana/mimir@"+v.Module), "operations")
			const start = "test-multi-zone"
			root := project(t, k8sLib, operations, nil, []string{start})
			envDir := filepath.Join(root, "environments", "scale")
			editedEnvironment(t, operations, envDir, start, []string{start}, func(src string) string { return strings.TrimRight(src, "\n") + tenants })
			before, err := render(envDir, &tanka.Overlay{})
			if err != nil {
				t.Fatal(err)
			}
			after, err := render(envDir, scale)
			if err != nil {
				t.Fatal(err)
			}
			const flag = "ingester.max-global-series-per-user"
			argsBefore, argsAfter := containerArgs(before.objects), containerArgs(after.objects)
			doubled := map[string]bool{}
			for c, flags := range argsBefore {
				if len(flags[flag]) == 0 {
					continue
				}
				want := doubledNumbers(t, flags[flag])
				if got := fmt.Sprint(argsAfter[c][flag]); got != want {
					t.Errorf("%s: -%s %v, want %s", c, flag, argsAfter[c][flag], want)
				}
				doubled[c[:strings.LastIndex(c, " ")]] = true
			}
			for _, w := range []string{"ingester-zone-a", "ingester-zone-b", "ingester-zone-c"} {
				if !containsSuffix(doubled, "/"+w) {
					t.Errorf("%s does not carry -%s: %v", w, flag, doubled)
				}
			}
			tenantsBefore, tenantsAfter := runtimeOverrides(t, before), runtimeOverrides(t, after)
			if a := tenantsBefore["tenant-a"]["max_global_series_per_user"]; a != 1000000.0 {
				t.Fatalf("tenant-a's limit renders as %v before the scale: the start changed, revisit the test", a)
			}
			if a := tenantsAfter["tenant-a"]["max_global_series_per_user"]; a != 2000000.0 {
				t.Errorf("tenant-a's limit %v, want 2000000", a)
			}
			if b := tenantsAfter["tenant-b"]; len(b) != len(tenantsBefore["tenant-b"]) {
				t.Errorf("tenant-b %v, want it as it was: %v", b, tenantsBefore["tenant-b"])
			}
			for _, k := range changed(before, after) {
				if !doubled[k] && !strings.HasSuffix(k, "/overrides") {
					t.Errorf("%s changed, but it carries neither the flag nor the runtime overrides", k)
				}
			}
			t.Logf("Mimir %s: %d workloads carry the doubled flag; tenant-a %.0f → %.0f", v.Name, len(doubled),
				tenantsBefore["tenant-a"]["max_global_series_per_user"], tenantsAfter["tenant-a"]["max_global_series_per_user"])
		})
	}
}

// doubledNumbers is values (integers) each doubled, printed as fmt.Sprint
// prints a []string.
func doubledNumbers(t *testing.T, values []string) string {
	t.Helper()
	out := make([]string, len(values))
	for i, v := range values {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			t.Fatalf("-ingester.max-global-series-per-user=%q is not an integer", v)
		}
		out[i] = fmt.Sprint(2 * n)
	}
	return fmt.Sprint(out)
}

func containsSuffix(set map[string]bool, suffix string) bool {
	for k := range set {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

// runtimeOverrides reads the tenants' limits from the runtime configuration
// the library renders (ConfigMap overrides, key overrides.yaml).
func runtimeOverrides(t *testing.T, s *state) map[string]map[string]any {
	t.Helper()
	for k, o := range s.objects {
		if !strings.Contains(k, "ConfigMap/") || !strings.HasSuffix(k, "/overrides") {
			continue
		}
		data, _ := o["data"].(map[string]any)
		raw, _ := data["overrides.yaml"].(string)
		var doc struct {
			Overrides map[string]map[string]any `json:"overrides"`
		}
		if err := yaml.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatalf("%s overrides.yaml: %v", k, err)
		}
		return doc.Overrides
	}
	t.Fatal("no ConfigMap overrides rendered")
	return nil
}
