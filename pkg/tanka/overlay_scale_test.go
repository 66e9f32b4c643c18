package tanka

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-jsonnet"
)

// scaleLibrary mimics how Grafana's Mimir library holds its limits
// (operations/mimir/config.libsonnet): the default limits are a hidden user
// class whose metadata limit derives from the series limit, tenants are
// visible fields of overrides, the ingester instance limit is null (none).
const scaleLibrary = `{
  _config:: {
    limits: $._config.overrides.extra_small_user,
    overrides: {
      extra_small_user:: { max_global_series_per_user: 150000, max_global_metadata_per_user: std.ceil(self.max_global_series_per_user * 0.2) },
      'tenant-a': $._config.overrides.extra_small_user { max_global_series_per_user: 1000000 },
      'tenant-b': { ingestion_rate: 5000 },
    },
    ingester_instance_limits: { max_series: null },
  },
  flag: $._config.limits.max_global_series_per_user,
  metadata: $._config.limits.max_global_metadata_per_user,
  overrides: $._config.overrides,
  class: $._config.overrides.extra_small_user.max_global_series_per_user,
  instance: $._config.ingester_instance_limits,
}`

// renderScaled evaluates scaleLibrary with o merged last, as main.jsonnet
// imports the overlay.
func renderScaled(t *testing.T, o *Overlay) map[string]any {
	t.Helper()
	text, err := o.Jsonnet()
	if err != nil {
		t.Fatal(err)
	}
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.MemoryImporter{Data: map[string]jsonnet.Contents{OverlayFile: jsonnet.MakeContents(text)}})
	out, err := vm.EvaluateAnonymousSnippet("main.jsonnet", scaleLibrary+" + (import '"+OverlayFile+"')")
	if err != nil {
		t.Fatalf("evaluate with the overlay:\n%s\n%v", text, err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOverlayScaleMultipliesWhatTheEnvironmentSets(t *testing.T) {
	o := &Overlay{}
	o.Merge(Overlay{Scale: map[string]float64{
		"limits.max_global_series_per_user":      2,
		"overrides.*.max_global_series_per_user": 2,
		"ingester_instance_limits.max_series":    2,
		"not_in_the_library.max_series":          2,
	}})
	v := renderScaled(t, o)
	want := map[string]any{"flag": 300000.0, "metadata": 60000.0, "class": 150000.0, "instance": map[string]any{"max_series": nil}}
	for k, w := range want {
		if got, _ := json.Marshal(v[k]); string(got) != mustMarshal(t, w) {
			t.Errorf("%s = %s, want %s", k, got, mustMarshal(t, w))
		}
	}
	overrides := v["overrides"].(map[string]any)
	if got := overrides["tenant-a"].(map[string]any)["max_global_series_per_user"]; got != 2000000.0 {
		t.Errorf("tenant-a's series limit = %v, want it doubled to 2000000", got)
	}
	if b := overrides["tenant-b"].(map[string]any); len(b) != 1 {
		t.Errorf("tenant-b, which sets no series limit, became %v", b)
	}
	if _, shown := overrides["extra_small_user"]; shown {
		t.Error("the hidden user class became visible")
	}
	if _, shown := v["_config"]; shown {
		t.Error("_config became visible")
	}

	// Removing the entries gives back the environment's own values.
	o.RemoveScale("limits.max_global_series_per_user", "overrides.*.max_global_series_per_user", "ingester_instance_limits.max_series", "not_in_the_library.max_series")
	if !o.IsEmpty() {
		t.Fatalf("overlay after removing every scale: %+v", o)
	}
	if v := renderScaled(t, o); v["flag"] != 150000.0 {
		t.Errorf("flag after the removal = %v, want 150000", v["flag"])
	}
}

func TestOverlayScaleAppliesAfterConfig(t *testing.T) {
	o := &Overlay{}
	o.Merge(Overlay{Config: map[string]any{"ingester_instance_limits": map[string]any{"max_series": 100}}})
	o.Merge(Overlay{Scale: map[string]float64{"ingester_instance_limits.max_series": 3}})
	if got := renderScaled(t, o)["instance"].(map[string]any)["max_series"]; got != 300.0 {
		t.Errorf("max_series = %v, want 100 set by Config times 3", got)
	}
}

func TestOverlayScaleReadsBackAndCovers(t *testing.T) {
	o := &Overlay{Plan: "p", Step: "s"}
	o.Merge(Overlay{Scale: map[string]float64{"limits.max_global_series_per_user": 2}})
	text, err := o.Jsonnet()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseOverlay(OverlayFile, text)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(o) {
		t.Fatalf("read back %+v, wrote %+v", back, o)
	}
	if !o.Covers(Overlay{Scale: map[string]float64{"limits.max_global_series_per_user": 2}}) {
		t.Error("the overlay does not cover the scale it holds")
	}
	if o.Covers(Overlay{Scale: map[string]float64{"limits.max_global_series_per_user": 3}}) {
		t.Error("the overlay covers another factor")
	}
	if o.Equal(&Overlay{}) {
		t.Error("an overlay with a scale equals the empty one")
	}
}

func TestOverlayScaleValidation(t *testing.T) {
	for path, factor := range map[string]float64{
		"limits..max_series":                 2,
		"*.max_series":                       2,
		"overrides.*":                        2,
		"limits.max_global_series_per_user":  1,
		"limits.max_global_series_per_user#": 1.5,
	} {
		o := Overlay{Scale: map[string]float64{path: factor}}
		if _, err := o.Jsonnet(); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("scale %q ×%v: err = %v, want a refusal naming the path", path, factor, err)
		}
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
