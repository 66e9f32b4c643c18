package envchange

import (
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// fakeChartRender stands in for the mimir-distributed chart (a fake, for
// unit tests): mimir.structuredConfig over base becomes ConfigMap
// mimir-config's mimir.yaml, read by an ingester StatefulSet through
// -config.file, with extraArgs as its flags; runtimeConfig becomes
// ConfigMap mimir-runtime's runtime.yaml. It renders the user's values
// with the overlay it is given merged last.
func fakeChartRender(t *testing.T, base, user string) func(map[string]any) ([]*unstructured.Unstructured, error) {
	return func(overlay map[string]any) ([]*unstructured.Unstructured, error) {
		v := values(t, user)
		v = loader.MergeMaps(v, normalizeValues(overlay).(map[string]any))
		cfg := values(t, base)
		if sc, ok := lookup(v, helmConfigValues); ok {
			cfg = loader.MergeMaps(cfg, sc.(map[string]any))
		}
		mimirYAML, err := yaml.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		rt, _ := lookup(v, helmRuntimeValues)
		runtimeYAML, err := yaml.Marshal(rt)
		if err != nil {
			return nil, err
		}
		args := []any{"-target=ingester", "-config.file=/etc/mimir/mimir.yaml"}
		if extra, ok := lookup(v, []string{"ingester", "extraArgs"}); ok {
			for k, e := range extra.(map[string]any) {
				args = append(args, "-"+k+"="+e.(string))
			}
		}
		return []*unstructured.Unstructured{
			{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "mimir-config", "namespace": "mimir"}, "data": map[string]any{"mimir.yaml": string(mimirYAML)}}},
			{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "mimir-runtime", "namespace": "mimir"}, "data": map[string]any{"runtime.yaml": string(runtimeYAML)}}},
			{Object: map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": map[string]any{"name": "mimir-ingester", "namespace": "mimir"},
				"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "ingester", "args": args}}}}}}},
		}, nil
	}
}

var seriesLimitsX2 = map[string]float64{
	"ingester.max-global-series-per-user":   2,
	"ingester.max-global-series-per-metric": 2,
	"ingester.instance-limits.max-series":   2,
}

// scaleLimits writes the doubled numbers the release gives (Mimir's
// default where its configuration file sets none, every tenant's
// override, the runtime ingester limit), the check passes on them, a
// second resolution of the file holding them comes to the same numbers,
// and unscaleLimits gives the release its own values back.
func TestHelmScaleLimitsDoublesWhatTheReleaseSets(t *testing.T) {
	render := fakeChartRender(t, "limits: {max_global_series_per_metric: 20000}\n", `
runtimeConfig:
  overrides:
    team.a: {max_global_series_per_user: 500000}
    team-b: {ingestion_rate: 10}
  ingester_limits: {max_series: 1000000}
`)
	s := &HelmValuesSpec{Set: map[string]any{"ingester": map[string]any{"zoneAwareReplication": map[string]any{"enabled": true}}}, ScaleLimits: seriesLimitsX2}
	file := values(t, "distributor: {replicas: 2}\n")
	r, unscaled, err := s.Resolve(file, render)
	if err != nil {
		t.Fatal(err)
	}
	next := r.ApplyTo(file)
	want := values(t, `
distributor: {replicas: 2}
ingester: {zoneAwareReplication: {enabled: true}}
mimir: {structuredConfig: {limits: {max_global_series_per_user: 300000, max_global_series_per_metric: 40000}}}
runtimeConfig:
  overrides:
    team.a: {max_global_series_per_user: 1000000}
  ingester_limits: {max_series: 2000000}
`)
	if !reflect.DeepEqual(next, want) {
		t.Fatalf("values with the change:\n%v\nwant\n%v", next, want)
	}
	objs, _ := render(next)
	verified, err := helmScale.check(objs, unscaled, s.ScaleLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(verified, "; "); !strings.Contains(got, "-ingester.max-global-series-per-user ×2 in 2 places") {
		t.Errorf("verified = %q", got)
	}
	again, _, err := s.Resolve(next, render)
	if err != nil {
		t.Fatal(err)
	}
	if !again.AppliedIn(next) {
		t.Errorf("the change resolved again on the values holding it is not applied in them: %v", again.ApplyTo(next))
	}
	back := (&HelmValuesSpec{UnscaleLimits: []string{"ingester.max-global-series-per-user", "ingester.max-global-series-per-metric", "ingester.instance-limits.max-series"}}).ApplyTo(next)
	wantBack := values(t, "distributor: {replicas: 2}\ningester: {zoneAwareReplication: {enabled: true}}\n")
	if !reflect.DeepEqual(back, wantBack) {
		t.Errorf("after unscaleLimits:\n%v\nwant\n%v", back, wantBack)
	}
}

// A limit given as a container flag overrides the configuration file:
// doubling the file would change nothing, and the check says where.
func TestHelmScaleLimitsRefusesAFlagItCannotReach(t *testing.T) {
	render := fakeChartRender(t, "{}\n", "ingester: {extraArgs: {ingester.max-global-series-per-user: \"80000\"}}\n")
	s := &HelmValuesSpec{ScaleLimits: seriesLimitsX2}
	r, unscaled, err := s.Resolve(nil, render)
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := render(r.ApplyTo(nil))
	_, err = helmScale.check(objs, unscaled, s.ScaleLimits)
	if err == nil || !strings.Contains(err.Error(), "StatefulSet mimir/mimir-ingester container ingester: ingester.max-global-series-per-user 80000 → 80000") || !strings.Contains(err.Error(), "extraArgs") {
		t.Errorf("err = %v, want the flag named with the extraArgs hint", err)
	}
}

// ExpectValues names the value the release has and the parameter to pass.
func TestHelmExpectValuesNamesTheParameter(t *testing.T) {
	s := &HelmValuesSpec{Set: map[string]any{"a": 1}, ExpectValues: []ExpectedValue{{Path: "ingester.replicas", Value: 6, Parameter: "ingesterReplicas"}, {Path: "store_gateway.replicas", Value: 3}}}
	err := s.CheckExpectedValues(values(t, "ingester: {replicas: 9}\nstore_gateway: {replicas: 3}\n"))
	if err == nil || !strings.Contains(err.Error(), "gives ingester.replicas = 9; this step needs 6: pass -p ingesterReplicas=9") {
		t.Errorf("err = %v", err)
	}
	if err := s.CheckExpectedValues(values(t, "ingester: {replicas: 6}\nstore_gateway: {replicas: 3}\n")); err != nil {
		t.Errorf("matching values refused: %v", err)
	}
	if err := (&HelmValuesSpec{ScaleLimits: map[string]float64{"ingester.max-series": 2}}).Validate(); err == nil || !strings.Contains(err.Error(), `"ingester.max-series" is not a limit`) {
		t.Errorf("Validate of an unknown limit = %v", err)
	}
}

// remove names a key holding dots as helm --set and Describe write it.
func TestHelmRemoveEscapedDots(t *testing.T) {
	file := values(t, "querier: {extraArgs: {querier.shuffle-sharding-ingesters-enabled: \"false\", log.level: debug}}\n")
	s := &HelmValuesSpec{Remove: []string{`querier.extraArgs.querier\.shuffle-sharding-ingesters-enabled`}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := s.ApplyTo(file), values(t, "querier: {extraArgs: {log.level: debug}}\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("ApplyTo = %v, want %v", got, want)
	}
	if got := valuesPath(`a.b\.c.d`); !reflect.DeepEqual(got, []string{"a", "b.c", "d"}) {
		t.Errorf("valuesPath = %q", got)
	}
}
