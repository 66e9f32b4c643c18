package envchange

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// JsonnetSpec is the `jsonnet` action: a step's change to the Tanka
// environment, kept in the generated overlay file (mimirctl.libsonnet) that
// main.jsonnet imports. The file holds the cumulative changes of the steps
// done so far, so the repository stays the source of truth.
//
//	jsonnet:
//	  config: {deployment_mode: migration, mimir_write_replicas: 0}
//	  hidden: {store_gateway_args: {store-gateway.sharding-ring.unregister-on-shutdown: true}}
//	  objects: {query_frontend_deployment: {spec: {replicas: 0}}}
//	  remove: {objects: [query_frontend_deployment]}
type JsonnetSpec struct {
	// Config sets _config values.
	Config map[string]any `yaml:"config,omitempty" json:"config,omitempty"`
	// Hidden merges keys into hidden fields such as store_gateway_args.
	Hidden map[string]map[string]any `yaml:"hidden,omitempty" json:"hidden,omitempty"`
	// Objects deep-merges into visible fields (Kubernetes objects).
	Objects map[string]any `yaml:"objects,omitempty" json:"objects,omitempty"`
	// Scale multiplies numbers the environment sets in _config, by dotted
	// path (with "*" for every tenant of overrides) → whole factor ≥ 2:
	// scale: {limits.max_global_series_per_user: 2}. What the path leads to
	// stays the environment's value; see tanka.Overlay.Scale.
	Scale map[string]float64 `yaml:"scale,omitempty" json:"scale,omitempty"`
	// ExpectScaled, with Scale, names the Mimir limits the Scale must
	// multiply, by CLI flag (a key of mimir.ScalableLimits) → factor:
	// before the overlay is written (and in `plan`) the environment is
	// rendered with and without this Scale, and every place it gives such
	// a limit a value must hold factor × that value (see CheckScaled).
	ExpectScaled map[string]float64 `yaml:"expectScaled,omitempty" json:"expectScaled,omitempty"`
	// Remove drops what earlier steps put in the overlay.
	Remove *JsonnetRemove `yaml:"remove,omitempty" json:"remove,omitempty"`
	// NoRollout skips the wait for rollouts (a change that only touches
	// ConfigMaps, such as runtime configuration).
	NoRollout bool `yaml:"noRollout,omitempty" json:"noRollout,omitempty"`
	// IsDestructive marks a change that takes capacity or objects away
	// (replicas to 0, a deployment mode that drops components).
	IsDestructive bool `yaml:"destructive,omitempty" json:"destructive,omitempty"`
	// RefuseWhile, when set, leaves the overlay file alone while a pod still
	// exposes its series (see kvmigrate.RefuseWhileSpec).
	RefuseWhile *kvmigrate.RefuseWhileSpec `yaml:"refuseWhile,omitempty" json:"refuseWhile,omitempty"`
}

// JsonnetRemove lists overlay entries a step removes.
type JsonnetRemove struct {
	Config []string `yaml:"config,omitempty" json:"config,omitempty"`
	// Hidden maps a hidden field to the keys to drop (none: the whole merge).
	Hidden map[string][]string `yaml:"hidden,omitempty" json:"hidden,omitempty"`
	// Objects lists object overrides to drop: a field ("querier_deployment")
	// or a dotted path inside one ("querier_deployment.spec.replicas").
	Objects []string `yaml:"objects,omitempty" json:"objects,omitempty"`
	// Scale lists Scale paths to drop, which gives the environment's own
	// values back.
	Scale []string `yaml:"scale,omitempty" json:"scale,omitempty"`
}

// Validate checks that the delta can be rendered.
func (s *JsonnetSpec) Validate() error {
	d := s.delta()
	if d.IsEmpty() && s.Remove == nil {
		return errors.New("the jsonnet change is empty: set config, hidden, objects, scale or remove")
	}
	errs := []error{d.Validate(), s.validateExpectScaled()}
	if s.RefuseWhile != nil {
		errs = append(errs, s.RefuseWhile.Validate())
	}
	return errors.Join(errs...)
}

func (s *JsonnetSpec) validateExpectScaled() error {
	if len(s.ExpectScaled) == 0 {
		return nil
	}
	if len(s.Scale) == 0 {
		return errors.New("expectScaled without scale: it checks what this step's scale multiplies")
	}
	var errs []error
	for _, f := range slices.Sorted(maps.Keys(s.ExpectScaled)) {
		errs = append(errs, validScalableLimit("expectScaled", f))
		if v := s.ExpectScaled[f]; !(v >= 1) || math.IsInf(v, 1) {
			errs = append(errs, fmt.Errorf("expectScaled: factor %v of %s: write the scale's factor (at least 1)", v, f))
		}
	}
	return errors.Join(errs...)
}

func (s *JsonnetSpec) delta() tanka.Overlay {
	return tanka.Overlay{Config: s.Config, Hidden: s.Hidden, Objects: s.Objects, Scale: s.Scale}
}

// ApplyTo merges the change into o and drops its removals.
func (s *JsonnetSpec) ApplyTo(o *tanka.Overlay) {
	o.Merge(s.delta())
	if s.Remove == nil {
		return
	}
	o.RemoveConfig(s.Remove.Config...)
	for field, keys := range s.Remove.Hidden {
		o.RemoveHidden(field, keys...)
	}
	for _, path := range s.Remove.Objects {
		parts := strings.Split(path, ".")
		o.RemoveObject(parts[0], parts[1:]...)
	}
	o.RemoveScale(s.Remove.Scale...)
}

// AppliedIn reports whether o already holds the change.
func (s *JsonnetSpec) AppliedIn(o *tanka.Overlay) bool {
	if !o.Covers(s.delta()) {
		return false
	}
	if s.Remove == nil {
		return true
	}
	c := o.Clone()
	s.ApplyTo(c)
	return c.Equal(o)
}

// Describe lists what the change sets and removes.
func (s *JsonnetSpec) Describe() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.Config)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, s.Config[k]))
	}
	for _, f := range slices.Sorted(maps.Keys(s.Hidden)) {
		for _, k := range slices.Sorted(maps.Keys(s.Hidden[f])) {
			parts = append(parts, fmt.Sprintf("%s[%s]=%v", f, k, s.Hidden[f][k]))
		}
	}
	for _, f := range slices.Sorted(maps.Keys(s.Objects)) {
		parts = append(parts, flatten(f, s.Objects[f])...)
	}
	for _, path := range slices.Sorted(maps.Keys(s.Scale)) {
		parts = append(parts, fmt.Sprintf("%s×%v", path, s.Scale[path]))
	}
	if s.Remove != nil {
		var rm []string
		rm = append(rm, s.Remove.Config...)
		rm = append(rm, slices.Sorted(maps.Keys(s.Remove.Hidden))...)
		rm = append(rm, s.Remove.Objects...)
		for _, path := range s.Remove.Scale {
			rm = append(rm, "the scale of "+path)
		}
		parts = append(parts, "remove "+strings.Join(rm, ", "))
	}
	d := "jsonnet: " + strings.Join(parts, ", ")
	if s.RefuseWhile != nil {
		d += "; " + s.RefuseWhile.Describe()
	}
	return d
}

// Destructive reports the plan author's marking.
func (s *JsonnetSpec) Destructive() bool { return s.IsDestructive }

// flatten lists the leaves of an object override as path=value.
func flatten(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s=%v", prefix, v)}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, flatten(prefix+"."+k, m[k])...)
	}
	return out
}
