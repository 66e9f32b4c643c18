package envchange

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// Trail places env's overlay file on p's jsonnet changes, for a
// plan.Positioner: the changes, in plan order, and which of the points
// after them the environment's mimirctl.libsonnet holds now (see
// OverlayTrail). A plan without jsonnet changes has no trail (nil). Errors:
// the overlay file cannot be read or was edited by hand.
func Trail(env *Environment, p *plan.Plan) (*plan.Trail, error) {
	points, specs := JsonnetChanges(p)
	if len(points) == 0 {
		return nil, nil
	}
	file, err := tanka.ReadOverlay(env.dir)
	if err != nil {
		return nil, err
	}
	holds, missing := OverlayTrail(file, specs)
	return &plan.Trail{Document: tanka.OverlayPath(env.dir), Points: points, Holds: holds, Missing: missing}, nil
}

// JsonnetChanges lists p's jsonnet actions in plan order: where each is and
// its change.
func JsonnetChanges(p *plan.Plan) ([]plan.ActionRef, []*JsonnetSpec) {
	return changesOf[*JsonnetSpec](p)
}

// changesOf lists p's actions whose spec is a T, in plan order: where each
// is and its spec.
func changesOf[T plan.ActionSpec](p *plan.Plan) ([]plan.ActionRef, []T) {
	var (
		points []plan.ActionRef
		specs  []T
	)
	for i, s := range p.Steps {
		for j, a := range s.Actions {
			if spec, ok := a.Spec.(T); ok {
				points = append(points, plan.ActionRef{Step: i, Action: j})
				specs = append(specs, spec)
			}
		}
	}
	return points, specs
}

// OverlayTrail simulates specs one after the other from an empty overlay and
// reports, after each, whether have holds what the plan has determined so
// far: every entry a change up to that point set (with the value the
// simulation leaves there) or removed (absent). Entries no change up to that
// point mentions are not compared: they are the environment's own (another
// plan's leftovers, say), whatever the plan started from. missing[i] lists
// up to three differences for a point that does not hold.
//
// Entries are the overlay's merge units: a _config key, a key of a hidden
// field, a leaf of an object override (a value that is not an object) and a
// scale path;
// a removal of a whole hidden field or object override determines
// everything under it.
func OverlayTrail(have *tanka.Overlay, specs []*JsonnetSpec) (holds []bool, missing [][]string) {
	sim := &tanka.Overlay{}
	return treeTrail(overlayTree(have), len(specs), func(i int) (map[string]any, [][]string) {
		specs[i].ApplyTo(sim)
		return overlayTree(sim), changedPaths(specs[i])
	})
}

// treeTrail is the walk of OverlayTrail and ValuesTrail over n changes:
// step(i) simulates change i and returns the tree the plan leaves after
// it and the paths the change determines; live is the file's tree.
func treeTrail(live map[string]any, n int, step func(i int) (map[string]any, [][]string)) (holds []bool, missing [][]string) {
	determined := map[string][]string{}
	for i := range n {
		want, paths := step(i)
		for _, path := range paths {
			determined[strings.Join(path, "\x00")] = path
		}
		var diffs []string
		for _, key := range slices.Sorted(maps.Keys(determined)) {
			path := determined[key]
			w, wok := lookup(want, path)
			h, hok := lookup(live, path)
			if wok == hok && (!wok || reflect.DeepEqual(w, h)) {
				continue
			}
			diffs = append(diffs, fmt.Sprintf("%s: the plan leaves %s, the file has %s", strings.Join(path, "."), shown(w, wok), shown(h, hok)))
		}
		holds = append(holds, len(diffs) == 0)
		if len(diffs) > 3 {
			diffs = append(diffs[:3], fmt.Sprintf("%d more", len(diffs)-3))
		}
		missing = append(missing, diffs)
	}
	return holds, missing
}

// HelmTrail is Trail for a Helm release: it places the values file
// (mimirctl-values.yaml) on p's helmValues changes (see ValuesTrail). A
// plan without helmValues changes has no trail (nil). Errors: the file
// cannot be read.
func HelmTrail(env *HelmEnvironment, p *plan.Plan) (*plan.Trail, error) {
	points, specs := changesOf[*HelmValuesSpec](p)
	if len(points) == 0 {
		return nil, nil
	}
	file, err := env.ReadOverlay()
	if err != nil {
		return nil, err
	}
	holds, missing := ValuesTrail(file, specs)
	return &plan.Trail{Document: env.OverlayPath(), Points: points, Holds: holds, Missing: missing}, nil
}

// ValuesTrail is OverlayTrail for a values file: specs simulated one
// after the other from no values; after each, have must hold every value
// a change up to that point set (each leaf of its set, with the value the
// simulation leaves there) or removed (absent). Values no change mentions
// are not compared.
func ValuesTrail(have map[string]any, specs []*HelmValuesSpec) (holds []bool, missing [][]string) {
	live, _ := normalized(have).(map[string]any)
	sim := map[string]any{}
	return treeTrail(live, len(specs), func(i int) (map[string]any, [][]string) {
		s := specs[i]
		sim = s.ApplyTo(sim)
		var paths [][]string
		if set, ok := normalized(s.Set).(map[string]any); ok {
			paths = leaves(paths, nil, set)
		}
		for _, r := range s.Remove {
			paths = append(paths, strings.Split(r, "."))
		}
		return sim, paths
	})
}

// changedPaths lists the entries a change sets or removes, as paths into
// overlayTree.
func changedPaths(s *JsonnetSpec) [][]string {
	var out [][]string
	for k := range s.Config {
		out = append(out, []string{"config", k})
	}
	for f, kv := range s.Hidden {
		for k := range kv {
			out = append(out, []string{"hidden", f, k})
		}
	}
	if objs, ok := normalized(s.Objects).(map[string]any); ok {
		out = leaves(out, []string{"objects"}, objs)
	}
	for path := range s.Scale {
		out = append(out, []string{"scale", path})
	}
	if r := s.Remove; r != nil {
		for _, path := range r.Scale {
			out = append(out, []string{"scale", path})
		}
		for _, k := range r.Config {
			out = append(out, []string{"config", k})
		}
		for f, keys := range r.Hidden {
			if len(keys) == 0 {
				out = append(out, []string{"hidden", f})
			}
			for _, k := range keys {
				out = append(out, []string{"hidden", f, k})
			}
		}
		for _, o := range r.Objects {
			out = append(out, append([]string{"objects"}, strings.Split(o, ".")...))
		}
	}
	return out
}

func leaves(out [][]string, prefix []string, m map[string]any) [][]string {
	for k, v := range m {
		path := append(append([]string(nil), prefix...), k)
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			out = leaves(out, path, sub)
			continue
		}
		out = append(out, path)
	}
	return out
}

// overlayTree is o's entries as one JSON tree: {config, hidden, objects,
// scale}; a scale entry is one leaf, its whole dotted path the key.
func overlayTree(o *tanka.Overlay) map[string]any {
	t, _ := normalized(map[string]any{"config": o.Config, "hidden": o.Hidden, "objects": o.Objects, "scale": o.Scale}).(map[string]any)
	return t
}

func normalized(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}

func lookup(tree map[string]any, path []string) (any, bool) {
	var cur any = tree
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func shown(v any, ok bool) string {
	if !ok {
		return "nothing"
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(raw)
}
