package envchange

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// HelmValuesSpec is the `helmValues` action: a step's change to a Helm
// environment, kept in the generated values file mimirctl-values.yaml
// (helmenv.OverlayFile) that the release is upgraded with, last of its
// values files. The file holds the cumulative changes of the steps done so
// far, as mimirctl.libsonnet does for Tanka.
//
//	helmValues:
//	  set: {mimir: {structuredConfig: {memberlist: {cluster_label: prod-1}}}}
//	  remove: [mimir.structuredConfig.memberlist.cluster_label_verification_disabled]
type HelmValuesSpec struct {
	// Set merges values into the file as Helm merges a values file: maps
	// key by key, anything else (lists, scalars, null) replaces. A null
	// removes the key from the chart's defaults, as in any values file.
	Set map[string]any `yaml:"set,omitempty" json:"set,omitempty"`
	// Remove drops what earlier steps put in the file, by dotted path
	// ("mimir.structuredConfig.memberlist.cluster_label"); the chart's or
	// the user's value then applies again. A dot inside a key is escaped
	// as `helm --set` takes it: querier.extraArgs.querier\.max-concurrent.
	Remove []string `yaml:"remove,omitempty" json:"remove,omitempty"`
	// NoRollout skips the wait for rollouts (a change that only touches
	// ConfigMaps, such as runtime configuration).
	NoRollout bool `yaml:"noRollout,omitempty" json:"noRollout,omitempty"`
	// IsDestructive marks a change that takes capacity or objects away.
	IsDestructive bool `yaml:"destructive,omitempty" json:"destructive,omitempty"`
	// RefuseWhile, when set, leaves the values file alone while a pod
	// still exposes its series (see kvmigrate.RefuseWhileSpec).
	RefuseWhile *kvmigrate.RefuseWhileSpec `yaml:"refuseWhile,omitempty" json:"refuseWhile,omitempty"`
	// RequireRingStores, when set, leaves the values file alone unless
	// the selected pods run exactly the listed rings on the store (see
	// kvmigrate.RingStoresSpec).
	RequireRingStores *kvmigrate.RingStoresSpec `yaml:"requireRingStores,omitempty" json:"requireRingStores,omitempty"`
	// ScaleLimits multiplies series limits (keys of mimir.ScalableLimits,
	// e.g. ingester.max-global-series-per-user: 2) where the release sets
	// them: the chart's Mimir configuration file (Mimir's default where it
	// sets none) and each tenant's runtime override and the runtime
	// ingester limits. Values can only set, not scale: when the step runs,
	// mimirctl renders the release without what a scale wrote before and
	// writes the multiplied numbers under mimir.structuredConfig and
	// runtimeConfig (see Resolve). A limit given where those do not reach
	// (a flag in extraArgs) is refused, naming it.
	ScaleLimits map[string]float64 `yaml:"scaleLimits,omitempty" json:"scaleLimits,omitempty"`
	// UnscaleLimits drops what ScaleLimits wrote for these limits: the
	// release's own values apply again.
	UnscaleLimits []string `yaml:"unscaleLimits,omitempty" json:"unscaleLimits,omitempty"`
	// ExpectValues refuses the change unless the release's merged values
	// (the user's files, then mimirctl-values.yaml with the change) hold
	// these, checked before the file is written.
	ExpectValues []ExpectedValue `yaml:"expectValues,omitempty" json:"expectValues,omitempty"`

	// scaled holds the numbers ScaleLimits resolved to (see Resolve).
	scaled map[string]any
}

// ExpectedValue is one value the merged values must hold for a helmValues
// change, such as a plan parameter that must equal the user's replicas.
type ExpectedValue struct {
	// Path is the dotted path of values ("ingester.replicas").
	Path string `yaml:"path" json:"path"`
	// Value is what it must be (numbers compare as numbers).
	Value any `yaml:"value" json:"value"`
	// Parameter, when the value comes from a plan parameter, names it for
	// the refusal's fix.
	Parameter string `yaml:"parameter,omitempty" json:"parameter,omitempty"`
}

var (
	_ plan.ActionSpec        = (*HelmValuesSpec)(nil)
	_ plan.EnvironmentChange = (*HelmValuesSpec)(nil)
	_ plan.EnvironmentChange = (*JsonnetSpec)(nil)
)

// EnvironmentKind is plan.EnvironmentHelm.
func (s *HelmValuesSpec) EnvironmentKind() string { return plan.EnvironmentHelm }

// EnvironmentKind is plan.EnvironmentTanka.
func (s *JsonnetSpec) EnvironmentKind() string { return plan.EnvironmentTanka }

// Validate checks that the change says something and that its paths can
// be removed.
func (s *HelmValuesSpec) Validate() error {
	if len(s.Set) == 0 && len(s.Remove) == 0 && len(s.ScaleLimits) == 0 && len(s.UnscaleLimits) == 0 {
		return errors.New("the helmValues change is empty: set set, remove, scaleLimits or unscaleLimits")
	}
	var errs []error
	if _, err := json.Marshal(s.Set); err != nil {
		errs = append(errs, fmt.Errorf("set: %w", err))
	}
	for _, p := range s.Remove {
		if p == "" || slices.Contains(valuesPath(p), "") {
			errs = append(errs, fmt.Errorf("remove: %q is not a dotted path of values (e.g. mimir.structuredConfig.memberlist.cluster_label; a dot inside a key escaped as \\.)", p))
		}
	}
	if s.RefuseWhile != nil {
		errs = append(errs, s.RefuseWhile.Validate())
	}
	if s.RequireRingStores != nil {
		errs = append(errs, s.RequireRingStores.Validate())
	}
	for _, f := range slices.Sorted(maps.Keys(s.ScaleLimits)) {
		errs = append(errs, validScalableLimit("scaleLimits", f))
		if v := s.ScaleLimits[f]; !(v >= 1) || math.IsInf(v, 1) {
			errs = append(errs, fmt.Errorf("scaleLimits: factor %v of %s: give a factor of at least 1", v, f))
		}
	}
	for _, f := range s.UnscaleLimits {
		errs = append(errs, validScalableLimit("unscaleLimits", f))
	}
	for i, e := range s.ExpectValues {
		if e.Path == "" || slices.Contains(valuesPath(e.Path), "") {
			errs = append(errs, fmt.Errorf("expectValues[%d]: %q is not a dotted path of values (e.g. ingester.replicas)", i, e.Path))
		}
	}
	return errors.Join(errs...)
}

// validScalableLimit refuses a limit mimirctl does not know where to find.
func validScalableLimit(field, f string) error {
	if _, ok := mimir.ScalableLimits[f]; ok {
		return nil
	}
	return fmt.Errorf("%s: %q is not a limit mimirctl knows where to find; use one of %s", field, f, strings.Join(slices.Sorted(maps.Keys(mimir.ScalableLimits)), ", "))
}

// Describe lists what the change sets and removes.
func (s *HelmValuesSpec) Describe() string {
	parts := flatten("", helmSetKeys(normalizeValues(s.Set)))
	for i, p := range parts {
		parts[i] = strings.TrimPrefix(p, ".")
	}
	for _, f := range slices.Sorted(maps.Keys(s.ScaleLimits)) {
		parts = append(parts, fmt.Sprintf("%s×%v where the release sets it", f, s.ScaleLimits[f]))
	}
	if len(s.Remove) > 0 {
		parts = append(parts, "remove "+strings.Join(s.Remove, ", "))
	}
	if len(s.UnscaleLimits) > 0 {
		parts = append(parts, "remove the scaled "+strings.Join(s.UnscaleLimits, ", "))
	}
	for _, e := range s.ExpectValues {
		parts = append(parts, fmt.Sprintf("only if the release's values give %s=%v", e.Path, e.Value))
	}
	d := "helm values: " + strings.Join(parts, ", ")
	if s.RefuseWhile != nil {
		d += "; " + s.RefuseWhile.Describe()
	}
	if s.RequireRingStores != nil {
		d += "; " + s.RequireRingStores.Describe()
	}
	return d
}

// valuesPath splits a dotted path of values into its keys; `\.` is a dot
// inside a key, as in `helm --set` and helmSetKeys.
func valuesPath(p string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p) && p[i+1] == '.':
			cur.WriteByte('.')
			i++
		case p[i] == '.':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(p[i])
		}
	}
	return append(out, cur.String())
}

// helmSetKeys is v with the dots inside map keys escaped as `helm --set`
// takes them (distributor.extraArgs.distributor\.ha-tracker\.store=multi),
// so that a described path names one value.
func helmSetKeys(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[strings.ReplaceAll(k, ".", `\.`)] = helmSetKeys(e)
	}
	return out
}

// Destructive reports the plan author's marking.
func (s *HelmValuesSpec) Destructive() bool { return s.IsDestructive }

// ApplyTo returns values (the file's, not changed) with the change
// merged in and its removals dropped.
//
// ScaleLimits count only once resolved (see Resolve): a resolved change
// first drops what an earlier scale of its limits wrote, then sets the
// numbers it resolved to. An unresolved one (ValuesBefore's earlier
// steps) applies its Set and Remove alone.
func (s *HelmValuesSpec) ApplyTo(values map[string]any) map[string]any {
	out, _ := normalizeValues(values).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	if s.scaled != nil {
		out = withoutScaledValues(out, slices.Collect(maps.Keys(s.ScaleLimits)))
	}
	// Merged as Helm merges a later values file (`-f`): maps key by
	// key, anything else replaces.
	set, _ := normalizeValues(s.Set).(map[string]any)
	out = loader.MergeMaps(out, set)
	scaled, _ := normalizeValues(s.scaled).(map[string]any)
	out = loader.MergeMaps(out, scaled)
	for _, p := range s.Remove {
		removeValue(out, valuesPath(p))
	}
	return withoutScaledValues(out, s.UnscaleLimits)
}

// AppliedIn reports whether values (the file's) already hold the change.
func (s *HelmValuesSpec) AppliedIn(values map[string]any) bool {
	return reflect.DeepEqual(normalizeValues(values), normalizeValues(s.ApplyTo(values)))
}

// normalizeValues is v as JSON decodes it (numbers float64, maps
// map[string]any), so that values decoded from step files and from the
// values file compare equal; nil (a nil map included) is an empty map.
func normalizeValues(v any) any {
	if out := normalized(v); out != nil {
		return out
	}
	return map[string]any{}
}

// removeValue deletes the value at path, and the maps it leaves empty.
func removeValue(m map[string]any, path []string) {
	if len(path) == 1 {
		delete(m, path[0])
		return
	}
	child, ok := m[path[0]].(map[string]any)
	if !ok {
		return
	}
	removeValue(child, path[1:])
	if len(child) == 0 {
		delete(m, path[0])
	}
}

// PendingValuesFile is the values file a pending helmValues change of a
// plan will leave (PendingValues).
type PendingValuesFile struct {
	Step   *plan.Step
	Values map[string]any
}

// PendingValues lists, in plan order, the values file each helmValues
// change of p will leave that file does not hold and pending accepts (nil:
// every change): ValuesBefore with the change applied. These are the states
// a run's start renders for a Helm release (pkg/engine's preflight), the
// Helm counterpart of PendingOverlays.
func PendingValues(file map[string]any, p *plan.Plan, pending plan.Pending) []PendingValuesFile {
	var out []PendingValuesFile
	for i, s := range p.Steps {
		for j, a := range s.Actions {
			hs, ok := a.Spec.(*HelmValuesSpec)
			if !ok || hs.AppliedIn(file) || (pending != nil && !pending(plan.ActionRef{Step: i, Action: j})) {
				continue
			}
			out = append(out, PendingValuesFile{Step: s, Values: hs.ApplyTo(ValuesBefore(file, p, s, hs))})
		}
	}
	return out
}

// ValuesBefore is the values file as it will be when the helmValues action
// cfg at step runs: the file as it is, plus every earlier helmValues
// change of the plan it does not hold yet.
func ValuesBefore(file map[string]any, p *plan.Plan, step *plan.Step, cfg *HelmValuesSpec) map[string]any {
	v, _ := normalizeValues(file).(map[string]any)
	for _, s := range p.Steps {
		for _, a := range s.Actions {
			hs, ok := a.Spec.(*HelmValuesSpec)
			if !ok {
				continue
			}
			if hs == cfg {
				return v
			}
			if !hs.AppliedIn(v) {
				v = hs.ApplyTo(v)
			}
		}
		if s == step {
			break
		}
	}
	return v
}
