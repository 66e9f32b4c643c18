package diff

import (
	"bytes"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// Why projection: the live object holds much that the rendered one never
// sets: status, metadata the server owns, and defaults the API server fills
// in (imagePullPolicy, terminationMessagePath, protocol: TCP, ...). Comparing
// the rendered object with the live object cut down to the fields the
// rendered object sets shows exactly what an apply would change, without a
// table of defaults per Kubernetes version, without write permissions (plan
// and --apply-mode=external work read-only), and on fake clients in tests.
// The fields mimirctl's field manager owns on the live object are kept too:
// an apply drops those that the rendered object no longer sets, so they are
// reported as removals.

// project returns the part of live that desired sets or owned addresses.
// desired is the rendered value at the same place (nil when it does not set
// it); owned is mimirctl's managed field set there (nil when none).
func project(live, desired any, owned *fieldpath.Set) any {
	switch lv := live.(type) {
	case map[string]any:
		dm, dIsMap := desired.(map[string]any)
		if !dIsMap && owned == nil {
			return live // a leaf that is kept whole, or a type change
		}
		out := map[string]any{}
		for k, v := range lv {
			dv, inDesired := dm[k]
			ov, isOwned := ownedChild(owned, fieldpath.PathElement{FieldName: &k})
			if inDesired || isOwned {
				out[k] = project(v, dv, ov)
			}
		}
		return out
	case []any:
		dl, dIsList := desired.([]any)
		if !dIsList && owned == nil {
			return live
		}
		return projectList(lv, dl, owned)
	}
	return live
}

// ownedChild reports whether pe is owned, and the owned set below it (nil
// when pe is owned as a whole).
func ownedChild(owned *fieldpath.Set, pe fieldpath.PathElement) (*fieldpath.Set, bool) {
	if owned == nil {
		return nil, false
	}
	if child, ok := owned.Children.Get(pe); ok {
		return child, true
	}
	return nil, owned.Members.Has(pe)
}

// projectList keeps the live elements that correspond to a desired element
// or that mimirctl owns, each projected in turn. Lists of scalars and lists
// whose elements cannot be matched are kept whole.
func projectList(live, desired []any, owned *fieldpath.Set) any {
	if !allMaps(live) || !allMaps(desired) {
		return live
	}
	keys := keyFields(desired, owned)
	if keys == nil {
		if len(live) != len(desired) {
			return live
		}
		out := make([]any, len(live))
		for i := range live {
			idx := i
			ov, _ := ownedChild(owned, fieldpath.PathElement{Index: &idx})
			out[i] = project(live[i], desired[i], ov)
		}
		return out
	}
	byKey := map[string]any{}
	for _, d := range desired {
		byKey[keyString(d, keys)] = d
	}
	out := []any{}
	for _, l := range live {
		d, inDesired := byKey[keyString(l, keys)]
		ov, isOwned := ownedChild(owned, keyElement(l, keys))
		if inDesired || isOwned {
			out = append(out, project(l, d, ov))
		}
	}
	return out
}

// commonListKeys are the merge keys of Kubernetes' associative lists of
// objects, in the order they are tried.
var commonListKeys = [][]string{
	{"name"}, {"mountPath"}, {"containerPort", "protocol"}, {"containerPort"},
	{"port", "protocol"}, {"port"}, {"ip"}, {"devicePath"},
}

// keyFields picks the fields identifying list elements: those the server
// records for mimirctl's owned elements, else the first common merge key that
// every desired element sets, with unique values.
func keyFields(desired []any, owned *fieldpath.Set) []string {
	if owned != nil {
		var names []string
		owned.Children.Iterate(func(pe fieldpath.PathElement) {
			if names == nil && pe.Key != nil {
				for _, f := range *pe.Key {
					names = append(names, f.Name)
				}
			}
		})
		if names != nil {
			return names
		}
	}
	for _, keys := range commonListKeys {
		seen := map[string]bool{}
		ok := len(desired) > 0
		for _, d := range desired {
			k := keyString(d, keys)
			if k == "" || seen[k] {
				ok = false
				break
			}
			seen[k] = true
		}
		if ok {
			return keys
		}
	}
	return nil
}

// keyString renders an element's key values ("" when one is missing).
func keyString(elem any, keys []string) string {
	m, _ := elem.(map[string]any)
	var b bytes.Buffer
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			if len(keys) > 1 && k == "protocol" {
				v = "TCP" // the API server's default, absent from rendered ports
			} else {
				return ""
			}
		}
		fmt.Fprintf(&b, "%s=%v;", k, v)
	}
	return b.String()
}

func keyElement(elem any, keys []string) fieldpath.PathElement {
	m, _ := elem.(map[string]any)
	fields := value.FieldList{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			fields = append(fields, value.Field{Name: k, Value: value.NewValueInterface(v)})
		}
	}
	fields.Sort()
	return fieldpath.PathElement{Key: &fields}
}

func allMaps(list []any) bool {
	for _, e := range list {
		if _, ok := e.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// quantityKeys are map keys whose values (and children's values) are
// resource quantities that the API server rewrites in canonical form.
var quantityKeys = map[string]bool{
	"requests": true, "limits": true, "capacity": true, "hard": true, "overhead": true, "sizeLimit": true,
}

// normalizeDesired drops what the API server would not store (null values;
// empty objects and lists the live object lacks) and writes quantities the
// way the live object spells them when they are equal ("0.5" as "500m").
func normalizeDesired(desired, live any, inQuantity bool) any {
	switch dv := desired.(type) {
	case map[string]any:
		lm, _ := live.(map[string]any)
		out := map[string]any{}
		for k, v := range dv {
			lv, inLive := lm[k]
			if v == nil || (!inLive && isEmpty(v)) {
				continue
			}
			out[k] = normalizeDesired(v, lv, inQuantity || quantityKeys[k])
		}
		return out
	case []any:
		ll, _ := live.([]any)
		var keys []string
		if allMaps(dv) {
			keys = keyFields(dv, nil)
		}
		out := make([]any, len(dv))
		for i, v := range dv {
			out[i] = normalizeDesired(v, counterpart(ll, v, i, keys), inQuantity)
		}
		return out
	}
	if inQuantity && sameQuantity(desired, live) {
		return live
	}
	return desired
}

// counterpart finds the live element matching desired element d, by key
// when the list has one, else by position.
func counterpart(live []any, d any, i int, keys []string) any {
	if keys != nil {
		want := keyString(d, keys)
		for _, l := range live {
			if keyString(l, keys) == want {
				return l
			}
		}
		return nil
	}
	if i < len(live) {
		return live[i]
	}
	return nil
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

func sameQuantity(desired, live any) bool {
	ls, ok := live.(string)
	if !ok || reflect.DeepEqual(desired, live) {
		return false
	}
	lq, err := resource.ParseQuantity(ls)
	if err != nil {
		return false
	}
	dq, err := resource.ParseQuantity(fmt.Sprint(desired))
	return err == nil && dq.Cmp(lq) == 0
}
