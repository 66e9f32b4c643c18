package envchange

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
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
	// the user's value then applies again. A key that holds a dot cannot
	// be named this way.
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
	if len(s.Set) == 0 && len(s.Remove) == 0 {
		return errors.New("the helmValues change is empty: set set or remove")
	}
	var errs []error
	if _, err := json.Marshal(s.Set); err != nil {
		errs = append(errs, fmt.Errorf("set: %w", err))
	}
	for _, p := range s.Remove {
		if p == "" || slices.Contains(strings.Split(p, "."), "") {
			errs = append(errs, fmt.Errorf("remove: %q is not a dotted path of values (e.g. mimir.structuredConfig.memberlist.cluster_label)", p))
		}
	}
	if s.RefuseWhile != nil {
		errs = append(errs, s.RefuseWhile.Validate())
	}
	if s.RequireRingStores != nil {
		errs = append(errs, s.RequireRingStores.Validate())
	}
	return errors.Join(errs...)
}

// Describe lists what the change sets and removes.
func (s *HelmValuesSpec) Describe() string {
	parts := flatten("", helmSetKeys(normalizeValues(s.Set)))
	for i, p := range parts {
		parts[i] = strings.TrimPrefix(p, ".")
	}
	if len(s.Remove) > 0 {
		parts = append(parts, "remove "+strings.Join(s.Remove, ", "))
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
func (s *HelmValuesSpec) ApplyTo(values map[string]any) map[string]any {
	out, _ := normalizeValues(values).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	set, _ := normalizeValues(s.Set).(map[string]any)
	mergeValues(out, set)
	for _, p := range s.Remove {
		removeValue(out, strings.Split(p, "."))
	}
	return out
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

// mergeValues merges src into dst as Helm merges a later values file:
// maps key by key, anything else replaces.
func mergeValues(dst, src map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(src)) {
		sv := src[k]
		sm, sIsMap := sv.(map[string]any)
		dm, dIsMap := dst[k].(map[string]any)
		if sIsMap && dIsMap {
			mergeValues(dm, sm)
			continue
		}
		dst[k] = sv
	}
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
