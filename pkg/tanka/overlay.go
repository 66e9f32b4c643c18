package tanka

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// OverlayFile is the generated file, in the environment directory, that holds
// the plan's cumulative changes.
const OverlayFile = "mimirctl.libsonnet"

// Overlay is the cumulative configuration a plan has applied to an
// environment, rendered as plain jsonnet merges on top of main.jsonnet:
//
//	{
//	  _config+:: { deployment_mode: 'migration' },              // Config
//	  store_gateway_args+:: { 'store-gateway.x': true },         // Hidden
//	  query_frontend_deployment: ifRendered('query_frontend_deployment',
//	    { spec+: { replicas: 0 } }),                              // Objects
//	}
//
// where ifRendered merges the override into the library's object unless the
// library renders that field as null (a disabled component), which stays
// null.
// Values are JSON values (string, float64 or int64, bool, nil, []any,
// map[string]any); Merge normalises what it is given.
type Overlay struct {
	// Plan and Step name the plan and the last step that wrote the file,
	// for its header.
	Plan string `json:"plan,omitempty"`
	Step string `json:"step,omitempty"`
	// Config holds _config values; each replaces the library's value.
	Config map[string]any `json:"config,omitempty"`
	// Hidden holds merges into hidden fields such as store_gateway_args:
	// field+:: { key: value }, each key replacing the library's value.
	Hidden map[string]map[string]any `json:"hidden,omitempty"`
	// Objects holds merges into visible fields, usually Kubernetes objects:
	// objects are merged with +: at every level, so the library's other
	// fields (hidden ones included) stay as they are; arrays and scalars
	// replace the library's value.
	Objects map[string]any `json:"objects,omitempty"`
	// Scale multiplies numbers the environment itself sets in _config, by
	// dotted path ("limits.max_global_series_per_user") → factor (a whole
	// number ≥ 2). A "*" element stands for every visible field of the
	// object at that point ("overrides.*.max_global_series_per_user": each
	// tenant's override, not the library's hidden user classes). A path that
	// does not lead to a number (absent, null: no limit) scales nothing.
	// Unlike Config, the value stays the environment's: the Helm guide for
	// zone-aware replication doubles the series limits while series are held
	// twice, and removing the entry gives back whatever the environment sets.
	// Rendered after the other merges, so it scales a value Config set too.
	Scale map[string]float64 `json:"scale,omitempty"`
}

// IsEmpty reports whether the overlay changes nothing.
func (o *Overlay) IsEmpty() bool {
	return len(o.Config) == 0 && len(o.Hidden) == 0 && len(o.Objects) == 0 && len(o.Scale) == 0
}

// Clone returns a deep copy.
func (o *Overlay) Clone() *Overlay {
	c := &Overlay{Plan: o.Plan, Step: o.Step}
	c.Merge(*o)
	return c
}

// Validate checks what jsonnet could not render: object overrides must be
// objects, and a field cannot be both hidden and visible.
func (o *Overlay) Validate() error {
	for name, v := range o.Objects {
		if _, ok := v.(map[string]any); !ok {
			return fmt.Errorf("overlay: override of %s must be an object (merged with +:), got %T", name, v)
		}
		if _, hidden := o.Hidden[name]; hidden || name == "_config" {
			return fmt.Errorf("overlay: %s is overridden both as a hidden and as a visible field", name)
		}
	}
	if _, ok := o.Hidden["_config"]; ok {
		return fmt.Errorf("overlay: set _config values through Config, not Hidden")
	}
	for _, path := range slices.Sorted(maps.Keys(o.Scale)) {
		if err := validScale(path, o.Scale[path]); err != nil {
			return fmt.Errorf("overlay: scale %q: %w", path, err)
		}
	}
	return nil
}

func validScale(path string, factor float64) error {
	elems := strings.Split(path, ".")
	for i, e := range elems {
		switch {
		case e == "":
			return errors.New("empty path element (a path is _config keys joined by dots)")
		case e == "*" && (i == 0 || i == len(elems)-1):
			return errors.New(`"*" stands for the fields of an object inside _config: not first or last`)
		}
	}
	if factor < 2 || factor != math.Trunc(factor) || factor > 1e6 {
		return fmt.Errorf("factor %v: want a whole number from 2 to 1000000", factor)
	}
	return nil
}

// Merge applies a step's delta: Config and Hidden keys are set, Objects are
// deep-merged (objects merge, other values replace).
func (o *Overlay) Merge(delta Overlay) {
	for k, v := range delta.Config {
		if o.Config == nil {
			o.Config = map[string]any{}
		}
		o.Config[k] = normalize(v)
	}
	for field, kv := range delta.Hidden {
		if o.Hidden == nil {
			o.Hidden = map[string]map[string]any{}
		}
		if o.Hidden[field] == nil {
			o.Hidden[field] = map[string]any{}
		}
		for k, v := range kv {
			o.Hidden[field][k] = normalize(v)
		}
	}
	if len(delta.Objects) > 0 && o.Objects == nil {
		o.Objects = map[string]any{}
	}
	deepMerge(o.Objects, normalize(delta.Objects))
	for path, factor := range delta.Scale {
		if o.Scale == nil {
			o.Scale = map[string]float64{}
		}
		o.Scale[path] = factor
	}
}

// RemoveScale drops Scale entries; it reports whether any was present.
func (o *Overlay) RemoveScale(paths ...string) bool { return deleteKeys(o.Scale, paths) }

// deleteKeys deletes keys from m and reports whether any was there.
func deleteKeys[V any](m map[string]V, keys []string) bool {
	removed := false
	for _, k := range keys {
		if _, ok := m[k]; ok {
			delete(m, k)
			removed = true
		}
	}
	return removed
}

func deepMerge(dst map[string]any, src any) {
	sm, _ := src.(map[string]any)
	for k, v := range sm {
		dm, dIsMap := dst[k].(map[string]any)
		vm, vIsMap := v.(map[string]any)
		if dIsMap && vIsMap {
			deepMerge(dm, vm)
			continue
		}
		dst[k] = v
	}
}

// RemoveConfig drops _config keys; it reports whether any was present.
func (o *Overlay) RemoveConfig(keys ...string) bool { return deleteKeys(o.Config, keys) }

// RemoveHidden drops keys of a hidden-field merge, or the whole merge when
// no key is given; it reports whether anything was present.
func (o *Overlay) RemoveHidden(field string, keys ...string) bool {
	kv, ok := o.Hidden[field]
	if !ok {
		return false
	}
	if len(keys) == 0 {
		delete(o.Hidden, field)
		return true
	}
	removed := deleteKeys(kv, keys)
	if len(kv) == 0 {
		delete(o.Hidden, field)
	}
	return removed
}

// RemoveObject drops the override at path inside the override of field (the
// whole override when path is empty), then any object left empty by it. It
// reports whether anything was present. A step that removes a library object
// (e.g. query_frontend_deployment once deployment_mode is read-write) must
// remove its override too: a merge into a missing field defines it.
func (o *Overlay) RemoveObject(field string, path ...string) bool {
	if _, ok := o.Objects[field]; !ok {
		return false
	}
	return removePath(o.Objects, append([]string{field}, path...))
}

func removePath(m map[string]any, path []string) bool {
	v, ok := m[path[0]]
	if !ok {
		return false
	}
	if len(path) == 1 {
		delete(m, path[0])
		return true
	}
	child, isMap := v.(map[string]any)
	if !isMap || !removePath(child, path[1:]) {
		return false
	}
	if len(child) == 0 {
		delete(m, path[0])
	}
	return true
}

// Covers reports whether every value delta sets already holds in o, so that
// merging delta would change nothing (a step's "already done?" check).
func (o *Overlay) Covers(delta Overlay) bool {
	for k, v := range delta.Config {
		if cur, ok := o.Config[k]; !ok || !reflect.DeepEqual(cur, normalize(v)) {
			return false
		}
	}
	for field, kv := range delta.Hidden {
		for k, v := range kv {
			if cur, ok := o.Hidden[field][k]; !ok || !reflect.DeepEqual(cur, normalize(v)) {
				return false
			}
		}
	}
	for path, factor := range delta.Scale {
		if cur, ok := o.Scale[path]; !ok || cur != factor {
			return false
		}
	}
	return covers(o.Objects, normalize(delta.Objects))
}

func covers(have map[string]any, want any) bool {
	wm, _ := want.(map[string]any)
	for k, wv := range wm {
		hv, ok := have[k]
		if !ok {
			return false
		}
		hm, hIsMap := hv.(map[string]any)
		if wvm, wIsMap := wv.(map[string]any); hIsMap && wIsMap {
			if !covers(hm, wvm) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(hv, wv) {
			return false
		}
	}
	return true
}

// Equal reports whether two overlays render the same merges.
func (o *Overlay) Equal(other *Overlay) bool {
	return reflect.DeepEqual(o.Clone().data(), other.Clone().data())
}

// Merges returns a copy of the overlay without Plan and Step: what an
// evaluation sees of it, since the header and the data line that name them
// are comments. Renders key on it, so that the same merges written by
// another step (the file after step 3 holds what the preview of step 3
// rendered from the file after step 2) are one render and one memo entry.
func (o *Overlay) Merges() *Overlay {
	d := o.Clone().data()
	return &d
}

func (o *Overlay) data() Overlay {
	return Overlay{Config: o.Config, Hidden: o.Hidden, Objects: o.Objects, Scale: o.Scale}
}

// normalize turns any JSON-like value (YAML-decoded maps, ints, typed
// slices) into the canonical JSON value types via a JSON round trip.
func normalize(v any) any {
	if v == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := utiljson.Unmarshal(raw, &out); err != nil {
		return v
	}
	return out
}
