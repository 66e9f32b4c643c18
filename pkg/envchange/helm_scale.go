package envchange

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// Where the mimir-distributed chart takes Mimir's configuration and its
// runtime configuration from, in its values (the chart's values.yaml:
// mimir.structuredConfig is merged over the rendered configuration file,
// runtimeConfig is the runtime ConfigMap's runtime.yaml).
var (
	helmConfigValues  = []string{"mimir", "structuredConfig"}
	helmRuntimeValues = []string{"runtimeConfig"}
)

// helmScale is CheckScaled for a Helm release: limits also come from the
// chart's Mimir configuration file, and an absent key there is Mimir's
// default, which mimirctl-values.yaml can write doubled.
var helmScale = scaleCheck{
	configFiles: true,
	what:        "the values do not multiply the series limits as the step expects (scaleLimits)",
	unchanged:   "set where mimirctl-values.yaml does not reach, e.g. a flag in a component's extraArgs, which overrides the configuration file; move it to mimir.structuredConfig or runtimeConfig in your values",
	unset:       "and the release renders no Mimir configuration file to write it to (useExternalConfig?); give the limit in mimir.structuredConfig first",
}

// configFileSinks lists the limits of flags in every Mimir configuration
// file objs render: the entries of ConfigMaps and Secrets (data,
// base64-decoded, and stringData) whose key is the file name a container
// passes as -config.file. A limit the file does not set is Mimir's default
// (mimir.ScalableLimit.Default) in that place, when the default is a limit.
func configFileSinks(objs []*unstructured.Unstructured, flags []string) ([]scaledSink, error) {
	names := map[string]bool{}
	for _, o := range objs {
		for _, c := range containersOf(o) {
			argv := c.argv
			for i, a := range argv {
				name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
				if !strings.HasPrefix(a, "-") || name != "config.file" {
					continue
				}
				if !hasValue && i+1 < len(argv) {
					value = argv[i+1]
				}
				names[path.Base(value)] = true
			}
		}
	}
	var out []scaledSink
	var errs []error
	for _, o := range objs {
		files, err := dataEntries(o)
		errs = append(errs, err)
		for _, k := range slices.Sorted(maps.Keys(files)) {
			if !names[k] {
				continue
			}
			where := fmt.Sprintf("%s %s", diff.RefOf(o), k)
			var doc map[string]any
			if err := yaml.Unmarshal([]byte(files[k]), &doc); err != nil {
				errs = append(errs, fmt.Errorf("%s: not a Mimir configuration file: %w", where, err))
				continue
			}
			for _, f := range flags {
				l := mimir.ScalableLimits[f]
				if l.Config == "" {
					continue
				}
				p := strings.Split(l.Config, ".")
				place := where + " " + l.Config
				raw, ok := lookup(doc, p)
				if !ok {
					if l.Default != 0 {
						out = append(out, scaledSink{where: place, flag: f, value: l.Default, path: p, file: "config"})
					}
					continue
				}
				v, ok := number(raw)
				if !ok {
					errs = append(errs, fmt.Errorf("%s: %v is not a number", place, raw))
					continue
				}
				out = append(out, scaledSink{where: place, flag: f, value: v, path: p, file: "config"})
			}
		}
	}
	return out, errors.Join(errs...)
}

// containerArgv is a container's name and its command and args.
type containerArgv struct {
	name string
	argv []string
}

// containersOf is every container (init containers first) of o's pod
// spec, if o has one (podSpecPaths).
func containersOf(o *unstructured.Unstructured) []containerArgv {
	var out []containerArgv
	for _, p := range podSpecPaths {
		for _, field := range []string{"initContainers", "containers"} {
			cs, _, _ := unstructured.NestedSlice(o.Object, append(slices.Clone(p), field)...)
			for _, c := range cs {
				cm, _ := c.(map[string]any)
				name, _ := cm["name"].(string)
				var argv []string
				for _, k := range []string{"command", "args"} {
					list, _ := cm[k].([]any)
					for _, a := range list {
						s, _ := a.(string)
						argv = append(argv, s)
					}
				}
				out = append(out, containerArgv{name: name, argv: argv})
			}
		}
	}
	return out
}

// dataEntries is a ConfigMap's data, or a Secret's data (decoded) and
// stringData; nil for other kinds. A data entry that is not base64 is an
// error naming it.
func dataEntries(o *unstructured.Unstructured) (map[string]string, error) {
	switch o.GetKind() {
	case "ConfigMap":
		data, _, _ := unstructured.NestedStringMap(o.Object, "data")
		return data, nil
	case "Secret":
		out, _, _ := unstructured.NestedStringMap(o.Object, "stringData")
		if out == nil {
			out = map[string]string{}
		}
		data, _, _ := unstructured.NestedStringMap(o.Object, "data")
		var errs []error
		for k, v := range data {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", diff.RefOf(o), k, err))
				continue
			}
			out[k] = string(b)
		}
		return out, errors.Join(errs...)
	}
	return nil, nil
}

// withoutScaledValues removes from values (not changed; a copy is returned)
// what a scaleLimits change writes for flags: the configuration file's
// keys under mimir.structuredConfig, every tenant's override under
// runtimeConfig.overrides and the runtime ingester limits; maps left empty
// go too.
func withoutScaledValues(values map[string]any, flags []string) map[string]any {
	out, _ := normalizeValues(values).(map[string]any)
	for _, f := range flags {
		l := mimir.ScalableLimits[f]
		if l.Config != "" {
			removeValue(out, append(slices.Clone(helmConfigValues), strings.Split(l.Config, ".")...))
		}
		if l.IngesterLimit != "" {
			removeValue(out, append(slices.Clone(helmRuntimeValues), mimir.RuntimeIngesterLimits, l.IngesterLimit))
		}
		if l.Override == "" {
			continue
		}
		tenants, _ := lookup(out, append(slices.Clone(helmRuntimeValues), mimir.RuntimeOverrides))
		tm, _ := tenants.(map[string]any)
		for _, t := range slices.Sorted(maps.Keys(tm)) {
			removeValue(out, append(slices.Clone(helmRuntimeValues), mimir.RuntimeOverrides, t, l.Override))
		}
	}
	return out
}

// scaledValues is what mimirctl-values.yaml must hold for the limits
// unscaled renders (the release without them, see withoutScaledValues)
// to be multiplied by their factor in want: each value of the chart's
// configuration file (or Mimir's default where it sets none) under
// mimir.structuredConfig, each tenant's override and the runtime ingester
// limits under runtimeConfig. Limits set elsewhere (container flags) are
// left for helmScale's check to refuse. Errors: two configuration files
// that disagree on a limit, scaledSinks'.
func scaledValues(unscaled []*unstructured.Unstructured, want map[string]float64) (map[string]any, error) {
	sinks, err := scaledSinks(unscaled, slices.Sorted(maps.Keys(want)), true)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	from := map[string]string{}
	var errs []error
	for _, s := range sinks {
		var root []string
		switch s.file {
		case "config":
			root = helmConfigValues
		case "runtime":
			root = helmRuntimeValues
		default:
			continue
		}
		p := append(slices.Clone(root), s.path...)
		v := want[s.flag] * s.value
		key := strings.Join(p, "\x00")
		if old, ok := lookup(out, p); ok && !reflect.DeepEqual(old, v) {
			errs = append(errs, fmt.Errorf("%s and %s give %s different values: make them agree before the step", from[key], s.where, s.flag))
			continue
		}
		from[key] = s.where
		if err := unstructured.SetNestedField(out, v, p...); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.where, err))
		}
	}
	return out, errors.Join(errs...)
}

// Resolve is the change to make on values (the values file as the step
// finds it): s itself when it scales no limit; otherwise a copy that also
// sets the numbers its ScaleLimits come to (scaledValues of the release
// rendered by render with values, this change's Set and Remove, and
// without what any scale of these limits wrote), and that render
// (unscaled), which helmScale.check compares with the release rendered
// with the copy. A run that finds the file already holding the numbers
// resolves to the same ones: the scale is not applied twice.
func (s *HelmValuesSpec) Resolve(values map[string]any, render func(map[string]any) ([]*unstructured.Unstructured, error)) (*HelmValuesSpec, []*unstructured.Unstructured, error) {
	if len(s.ScaleLimits) == 0 {
		return s, nil, nil
	}
	plain := *s
	plain.scaled = nil
	unscaled, err := render(withoutScaledValues(plain.ApplyTo(values), slices.Collect(maps.Keys(s.ScaleLimits))))
	if err != nil {
		return nil, nil, fmt.Errorf("render the release without the step's scaled limits: %w", err)
	}
	scaled, err := scaledValues(unscaled, s.ScaleLimits)
	if err != nil {
		return nil, nil, err
	}
	r := *s
	r.scaled = scaled
	return &r, unscaled, nil
}

// CheckExpectedValues refuses merged (the release's values as the chart's
// templates see them, see helmenv.Environment.ChartValues) unless it holds
// every ExpectValues entry.
func (s *HelmValuesSpec) CheckExpectedValues(merged map[string]any) error {
	m, _ := normalizeValues(merged).(map[string]any)
	var problems []string
	for _, e := range s.ExpectValues {
		want := normalized(e.Value)
		got, ok := lookup(m, valuesPath(e.Path))
		if ok && reflect.DeepEqual(got, want) {
			continue
		}
		have := "does not set " + e.Path
		if ok {
			have = fmt.Sprintf("gives %s = %v", e.Path, got)
		}
		fix := fmt.Sprintf("set %s to %v in your values", e.Path, want)
		if e.Parameter != "" && ok {
			fix = fmt.Sprintf("pass -p %s=%v (or set %s to %v in your values)", e.Parameter, got, e.Path, want)
		}
		problems = append(problems, fmt.Sprintf("the release's values (the chart's, your -f files, then %s) %s; this step needs %v: %s", "mimirctl-values.yaml", have, want, fix))
	}
	if len(problems) > 0 {
		return fmt.Errorf("refused before changing anything: %s", strings.Join(problems, "; "))
	}
	return nil
}

// CheckHelmScaled is CheckScaled for a Helm release (scaleLimits): scaled
// and unscaled are the release rendered with the resolved change and
// without its scaled values (see Resolve); limits come also from the
// chart's Mimir configuration file, where an absent key is Mimir's default.
func CheckHelmScaled(scaled, unscaled []*unstructured.Unstructured, want map[string]float64) ([]string, error) {
	return helmScale.check(scaled, unscaled, want)
}
