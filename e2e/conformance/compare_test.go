//go:build conformance

package conformance

import (
	"slices"
	"strings"
	"testing"
)

// compare and firstDiff walk the keys of both sides in one sorted order, so
// that the first difference reported is the same on every run.
func TestCompareWalksTheKeysOfBothSidesInOrder(t *testing.T) {
	if got := keyUnion(map[string]int{"b": 1, "a": 1}, map[string]int{"c": 1, "a": 2}); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("keyUnion: %q", got)
	}
	rendered := map[string]map[string]any{
		"v1 ConfigMap/mimir/b": {"data": map[string]any{"y": "1", "x": "1"}},
		"v1 ConfigMap/mimir/a": {},
	}
	generated := map[string]map[string]any{
		"v1 ConfigMap/mimir/b": {"data": map[string]any{"x": "2", "z": "1"}},
		"v1 ConfigMap/mimir/c": {},
	}
	diffs, known := compare(rendered, generated)
	want := []string{
		"v1 ConfigMap/mimir/a: rendered, not in the generated file",
		`v1 ConfigMap/mimir/b .data.x: rendered "1", generated "2"`,
		"v1 ConfigMap/mimir/c: in the generated file, not rendered",
	}
	if !slices.Equal(diffs, want) || len(known) != 0 {
		t.Errorf("compare:\n%s\nwant\n%s", strings.Join(diffs, "\n"), strings.Join(want, "\n"))
	}
}
