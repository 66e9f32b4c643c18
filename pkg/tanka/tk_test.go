package tanka

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestRenderMatchesRealTanka compares Render with `tk show` of a real Tanka
// binary (MIMIRCTL_TEST_TK=/path/to/tk; skipped otherwise), object by
// object and in order, including an environment with the overlay wired in.
// Build tk from the module proxy in a scratch module that requires
// github.com/grafana/tanka v0.38.0: `go build github.com/grafana/tanka/cmd/tk`.
func TestRenderMatchesRealTanka(t *testing.T) {
	tk := os.Getenv("MIMIRCTL_TEST_TK")
	if tk == "" {
		t.Skip("set MIMIRCTL_TEST_TK to a tk binary to compare with real Tanka")
	}
	dir := copyProject(t)
	withOverlay := filepath.Join(dir, "environments", "default")
	if _, err := Init(context.Background(), withOverlay, Options{}); err != nil {
		t.Fatal(err)
	}
	o := &Overlay{Plan: "microservices-to-read-write", Step: "step-5"}
	o.Merge(Overlay{Config: map[string]any{"deployment_mode": "migration", "mimir_write_replicas": 0}})
	o.Merge(step5())
	if err := WriteOverlay(withOverlay, o); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env  string
		opts Options
		args []string
	}{
		{"environments/default", Options{}, nil},
		{"environments/precedence", Options{}, nil},
		{"environments/natives", Options{}, nil},
		{"environments/inline", Options{Name: "mimir-a"}, []string{"--name", "mimir-a"}},
		{"environments/tla", Options{TLACode: map[string]string{"replicas": "3"}}, []string{"--tla-code", "replicas=3"}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			cmd := exec.Command(tk, append([]string{"show", "--dangerous-allow-redirect", tt.env}, tt.args...)...)
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tk show: %v", err)
			}
			var want []map[string]any
			for _, doc := range strings.Split(string(out), "\n---\n") {
				m := map[string]any{}
				if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
					t.Fatal(err)
				}
				want = append(want, m)
			}
			r, err := Load(context.Background(), filepath.Join(dir, tt.env), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []map[string]any
			for _, obj := range r.Objects {
				raw, _ := yaml.Marshal(obj.Object)
				m := map[string]any{}
				if err := yaml.Unmarshal(raw, &m); err != nil {
					t.Fatal(err)
				}
				got = append(got, m)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("mimirctl renders %d objects that differ from tk show's %d:\n%s", len(got), len(want), out)
			}
		})
	}
}
