package tanka

import (
	"fmt"
	"sort"
	"strings"
)

// found is a Kubernetes object and where it was found in the output tree.
type found struct {
	path string
	obj  map[string]any
}

// extract walks the output tree like Tanka: every object with a string
// apiVersion and kind is a Kubernetes object; other objects and arrays are
// walked into (object keys in sorted order). A null field of an object is
// skipped (what `if false then ...` leaves behind); a null anywhere else, like
// any other plain value, is an error. A null output tree holds no objects.
// *List objects (those with an items array) are replaced by their items,
// Lists inside Lists too; every item must be a Kubernetes object.
func extract(tree any) ([]found, error) {
	if tree == nil {
		return nil, nil
	}
	var out []found
	if err := walk(tree, "", "", &out); err != nil {
		return nil, err
	}
	var flat []found
	for _, f := range out {
		if err := unwrapList(f, &flat); err != nil {
			return nil, err
		}
	}
	return flat, nil
}

// unwrapList appends f to out, or, when f is a List, its items (recursively).
func unwrapList(f found, out *[]found) error {
	items, isList := f.obj["items"].([]any)
	if !isList {
		*out = append(*out, f)
		return nil
	}
	for i, it := range items {
		path := fmt.Sprintf("%s.items[%d]", f.path, i)
		m, ok := it.(map[string]any)
		if !ok {
			return &InvalidObjectError{Path: path, Reason: fmt.Sprintf("list item is %s, not an object", jsonType(it))}
		}
		if reason := manifestReason(m); reason != "" {
			return &InvalidObjectError{Path: path, Reason: "every item of a List must be a Kubernetes object, this one has " + reason +
				"; give it apiVersion and kind, or move it out of the List"}
		}
		if reason := verify(m); reason != "" {
			return &InvalidObjectError{Path: path, Reason: reason}
		}
		if err := unwrapList(found{path, m}, out); err != nil {
			return err
		}
	}
	return nil
}

// walk descends into v at path; why says why the containing object is not a
// Kubernetes object, for the error when a plain value is reached.
func walk(v any, path, why string, out *[]found) error {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "__ksonnet")
		reason := manifestReason(t)
		if reason == "" {
			if err := verify(t); err != "" {
				return &InvalidObjectError{Path: orRoot(path), Reason: err}
			}
			*out = append(*out, found{orRoot(path), t})
			return nil
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if t[k] == nil {
				continue
			}
			if err := walk(t[k], path+"."+k, reason, out); err != nil {
				return err
			}
		}
		return nil
	case []any:
		for i, e := range t {
			if err := walk(e, fmt.Sprintf("%s[%d]", path, i), why, out); err != nil {
				return err
			}
		}
		return nil
	}
	if why == "" {
		why = "the output must be an object or an array"
	}
	reason := fmt.Sprintf("%s (reached %s value at %s)", why, jsonType(v), orRoot(path))
	if v == nil {
		reason = fmt.Sprintf("%s (reached null at %s: only a null field of an object is skipped, a null array element is not, as in Tanka; "+
			"drop it with std.prune or std.filter, or use an array comprehension with an if)", why, orRoot(path))
	}
	return &InvalidObjectError{Path: orRoot(parentPath(path)), Reason: reason}
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case string:
		return "a string"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return "a number"
	}
}

func orRoot(path string) string {
	if path == "" {
		return "."
	}
	return path
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i <= 0 {
		return ""
	}
	return path[:i]
}

// topField is the first field of a path such as ".querier_deployment.spec".
func topField(path string) string {
	p := strings.TrimPrefix(path, ".")
	if i := strings.IndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return p
}

// manifestReason says why obj is not a Kubernetes object ("" when it is).
func manifestReason(obj map[string]any) string {
	for _, key := range []string{"apiVersion", "kind"} {
		v, ok := obj[key]
		if !ok || v == nil {
			return fmt.Sprintf("missing attribute %q", key)
		}
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("attribute %q is not a string, it is a %T", key, v)
		}
		if s == "" {
			return fmt.Sprintf("attribute %q is empty", key)
		}
	}
	return ""
}

// verify checks the metadata Tanka requires ("" when it is fine).
func verify(obj map[string]any) string {
	if _, isList := obj["items"].([]any); isList {
		return ""
	}
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		return "metadata is missing or not an object"
	}
	_, named := md["name"].(string)
	_, generated := md["generateName"].(string)
	if !named && !generated {
		return "metadata.name is missing or not a string"
	}
	for _, key := range []string{"labels", "annotations"} {
		m, ok := md[key].(map[string]any)
		if md[key] != nil && !ok {
			return fmt.Sprintf("metadata.%s must be an object, got %T", key, md[key])
		}
		for k, v := range m {
			if _, ok := v.(string); !ok {
				return fmt.Sprintf("metadata.%s.%s is %T, not a string", key, k, v)
			}
		}
	}
	return ""
}
