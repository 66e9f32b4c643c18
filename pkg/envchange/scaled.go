package envchange

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// scaledSink is one place a rendered environment gives a limit a value: a
// container's flag, a tenant's runtime override or the runtime ingester
// limits, in one object.
type scaledSink struct {
	where string // "StatefulSet mimir/ingester container ingester" or "ConfigMap mimir/overrides overrides.yaml tenant t1"
	flag  string // the mimir.ScalableLimits key
	value float64
	// path is where the value lives inside its file, for a runtime
	// configuration (overrides.<tenant>.<name>, ingester_limits.<name>) or
	// a configuration file (mimir.ScalableLimit.Config); nil for a flag.
	path []string
	// file says which: "runtime" or "config" ("" for a flag).
	file string
}

func (s scaledSink) key() string { return s.where + "\x00" + s.flag }

// podSpecPaths are where workloads keep their pod spec.
var podSpecPaths = [][]string{
	{"spec", "template", "spec"},
	{"spec", "jobTemplate", "spec", "template", "spec"},
}

// scaledSinks lists every value objs give the limits of flags (keys of
// mimir.ScalableLimits): "-flag=value", "--flag=value" or "-flag value" in
// a container's command or args, and, in a ConfigMap entry that is a Mimir
// runtime configuration (a YAML mapping with mimir.RuntimeOverrides or
// mimir.RuntimeIngesterLimits), each tenant's override and the ingester
// limits. With configFiles, also each Mimir configuration file among the
// ConfigMaps' and Secrets' entries (see configFileSinks). A value that is
// not a number is an error naming its place.
func scaledSinks(objs []*unstructured.Unstructured, flags []string, configFiles bool) ([]scaledSink, error) {
	var out []scaledSink
	var errs []error
	if configFiles {
		sinks, err := configFileSinks(objs, flags)
		out = append(out, sinks...)
		errs = append(errs, err)
	}
	for _, o := range objs {
		ref := diff.RefOf(o).String()
		for _, c := range containersOf(o) {
			sinks, err := flagSinks(fmt.Sprintf("%s container %s", ref, c.name), c.argv, flags)
			out = append(out, sinks...)
			errs = append(errs, err)
		}
		if o.GetKind() == "ConfigMap" {
			data, _, _ := unstructured.NestedStringMap(o.Object, "data")
			for _, k := range slices.Sorted(maps.Keys(data)) {
				sinks, err := runtimeSinks(fmt.Sprintf("%s %s", ref, k), data[k], flags)
				out = append(out, sinks...)
				errs = append(errs, err)
			}
		}
	}
	return out, errors.Join(errs...)
}

func flagSinks(where string, argv, flags []string) ([]scaledSink, error) {
	var out []scaledSink
	for i, a := range argv {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !slices.Contains(flags, name) {
			continue
		}
		if !hasValue && i+1 < len(argv) {
			value = argv[i+1]
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return out, fmt.Errorf("%s: -%s=%q is not a number", where, name, value)
		}
		out = append(out, scaledSink{where: where, flag: name, value: v})
	}
	return out, nil
}

func runtimeSinks(where, text string, flags []string) ([]scaledSink, error) {
	var doc map[string]any
	if yaml.Unmarshal([]byte(text), &doc) != nil {
		return nil, nil // not YAML: not a runtime configuration
	}
	var out []scaledSink
	var errs []error
	add := func(place string, parent []string, m map[string]any, key func(mimir.ScalableLimit) string) {
		for _, f := range flags {
			k := key(mimir.ScalableLimits[f])
			raw, ok := m[k]
			if k == "" || !ok {
				continue
			}
			v, ok := number(raw)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: %s: %v is not a number", place, k, raw))
				continue
			}
			out = append(out, scaledSink{where: place, flag: f, value: v, path: append(slices.Clone(parent), k), file: "runtime"})
		}
	}
	if tenants, ok := doc[mimir.RuntimeOverrides].(map[string]any); ok {
		for _, t := range slices.Sorted(maps.Keys(tenants)) {
			m, _ := tenants[t].(map[string]any)
			add(fmt.Sprintf("%s tenant %s", where, t), []string{mimir.RuntimeOverrides, t}, m, func(l mimir.ScalableLimit) string { return l.Override })
		}
	}
	if m, ok := doc[mimir.RuntimeIngesterLimits].(map[string]any); ok {
		add(fmt.Sprintf("%s %s", where, mimir.RuntimeIngesterLimits), []string{mimir.RuntimeIngesterLimits}, m, func(l mimir.ScalableLimit) string { return l.IngesterLimit })
	}
	return out, errors.Join(errs...)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// VerifyScaled runs CheckScaled for the change s when it expects its
// Scale to multiply limits (ExpectScaled): scaled is the environment as
// rendered with o, the overlay holding s; renderWithout renders the
// environment with the overlay it is given, a copy of o without s's Scale.
// It returns nil when s expects nothing; the lines of CheckScaled
// otherwise; an error that says so when the environment does not render
// without the Scale, or CheckScaled's error.
func (s *JsonnetSpec) VerifyScaled(scaled []*unstructured.Unstructured, o *tanka.Overlay, renderWithout func(*tanka.Overlay) ([]*unstructured.Unstructured, error)) ([]string, error) {
	if len(s.ExpectScaled) == 0 {
		return nil, nil
	}
	u := o.Clone()
	u.RemoveScale(slices.Collect(maps.Keys(s.Scale))...)
	unscaled, err := renderWithout(u)
	if err != nil {
		return nil, fmt.Errorf("render the environment without the step's scale: %w", err)
	}
	return CheckScaled(scaled, unscaled, s.ExpectScaled)
}

// CheckScaled verifies that an overlay's Scale multiplied the limits it is
// meant to, and nothing twice: want maps keys of mimir.ScalableLimits to
// their factor; scaled and unscaled are the environment rendered with the
// overlay and with the overlay without its Scale. Every value unscaled
// gives a limit (flags of every container, tenants' runtime overrides,
// runtime ingester limits) must be factor × itself in scaled, in the same
// place; 0 (no limit) stays 0. It returns one line per limit saying where
// it was verified, or an error naming each place that is not scaled
// (a limit set where the Scale's _config paths do not reach, such as a
// container's *_args), scaled by another factor (a tenant that inherits
// the limit through the environment's late binding, $._config.limits
// {...}, is scaled twice), or absent from one side; and each limit with
// no value anywhere whose Mimir default is a limit (the default cannot be
// scaled).
func CheckScaled(scaled, unscaled []*unstructured.Unstructured, want map[string]float64) ([]string, error) {
	return jsonnetScale.check(scaled, unscaled, want)
}

// scaleCheck is how CheckScaled reads an environment kind's limits and
// explains what it finds.
type scaleCheck struct {
	// configFiles: Mimir configuration files in ConfigMaps and Secrets
	// give limits too (configFileSinks), their absent keys Mimir's default.
	configFiles bool
	// what names the change in the error ("the scale ... (expectScaled)").
	what string
	// unchanged explains a value the change left alone.
	unchanged string
	// twice explains a value scaled by the square of the factor ("" when
	// the environment cannot do that).
	twice string
	// unset explains a limit with no value anywhere whose default is a
	// limit, after "so Mimir's default N applies".
	unset string
}

var jsonnetScale = scaleCheck{
	what:      "the scale does not multiply the series limits as the step expects (expectScaled)",
	unchanged: "set where the scale's paths do not reach, e.g. a container's *_args; scale it there or move it to _config",
	twice:     "it inherits a scaled value through late binding, e.g. a tenant written $._config.limits {...}; give it its own value",
	unset:     "which a scale cannot multiply; set it in the environment (the library's limits) first",
}

func (c scaleCheck) check(scaled, unscaled []*unstructured.Unstructured, want map[string]float64) ([]string, error) {
	flags := slices.Sorted(maps.Keys(want))
	before, err := scaledSinks(unscaled, flags, c.configFiles)
	if err != nil {
		return nil, err
	}
	after, err := scaledSinks(scaled, flags, c.configFiles)
	if err != nil {
		return nil, err
	}
	got := map[string]scaledSink{}
	for _, s := range after {
		got[s.key()] = s
	}
	var problems []string
	count, bad := map[string]int{}, map[string]bool{}
	problem := func(flag, format string, args ...any) {
		bad[flag] = true
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	for _, b := range before {
		f := want[b.flag]
		a, ok := got[b.key()]
		delete(got, b.key())
		switch {
		case !ok:
			problem(b.flag, "%s: %s %s is not rendered with the scale", b.where, b.flag, fmtNum(b.value))
		case !sameNumber(a.value, f*b.value):
			problem(b.flag, "%s: %s %s → %s, want ×%s = %s%s", b.where, b.flag, fmtNum(b.value), fmtNum(a.value), fmtNum(f), fmtNum(f*b.value), c.hint(a.value, b.value, f))
		default:
			count[b.flag]++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		a := got[k]
		problem(a.flag, "%s: %s %s is rendered only with the scale", a.where, a.flag, fmtNum(a.value))
	}
	var verified []string
	for _, f := range flags {
		if count[f] == 0 && mimir.ScalableLimits[f].Default != 0 && !bad[f] {
			problems = append(problems, fmt.Sprintf("-%s: nothing the environment renders sets it, so Mimir's default %s applies, %s", f, fmtNum(mimir.ScalableLimits[f].Default), c.unset))
			continue
		}
		if count[f] == 0 {
			verified = append(verified, fmt.Sprintf("-%s set nowhere (Mimir's default: no limit)", f))
			continue
		}
		verified = append(verified, fmt.Sprintf("-%s ×%s in %d %s", f, fmtNum(want[f]), count[f], map[bool]string{true: "place", false: "places"}[count[f] == 1]))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s:\n  %s", c.what, strings.Join(problems, "\n  "))
	}
	return verified, nil
}

func (c scaleCheck) hint(after, before, f float64) string {
	switch {
	case sameNumber(after, before):
		return " (unchanged: " + c.unchanged + ")"
	case c.twice != "" && before != 0 && sameNumber(after, f*f*before):
		return " (scaled twice: " + c.twice + ")"
	}
	return ""
}

func sameNumber(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
