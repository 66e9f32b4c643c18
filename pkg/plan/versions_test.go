package plan_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

// fakeVersionSpec is a unit-test stand-in for the engine's version gate:
// a gate spec that admits a range of Mimir versions.
type fakeVersionSpec struct {
	Pods      map[string]string `yaml:"pods"`
	Supported string            `yaml:"supported"`
}

func (s *fakeVersionSpec) Validate() error           { return nil }
func (s *fakeVersionSpec) Describe() string          { return "Mimir " + s.Supported }
func (s *fakeVersionSpec) SupportedVersions() string { return s.Supported }

// A plan's mimirVersions is what `plans list`, `plans show` and `version`
// show; it must be a range, and the preflight version gate that enforces
// it must admit the same one.
func TestMimirVersionsIsARangeItsPreflightVersionGatesAdmit(t *testing.T) {
	step := "id: a\ntitle: A\nwait: {duration: 1m}\n"
	tests := map[string]struct {
		meta string
		want []string // empty: loads
	}{
		"a range and its gate": {
			meta: "name: p\nmimirVersions: \">=2.0.0 <3.0.0\"\npreflight:\n  - version: {supported: \">=2.0.0  <3.0.0\"}\n",
		},
		"a range without gate documents the plan": {
			meta: "name: p\nmimirVersions: \">=2.3.0\"\n",
		},
		"a gate without range": {
			meta: "name: p\npreflight:\n  - version: {supported: \">=2.17.0\"}\n",
		},
		"a range bound from a parameter": {
			meta: "name: p\nmimirVersions: \">=2.17.0\"\nparameters:\n  - {name: r, type: string, default: \">=2.17.0\"}\npreflight:\n  - version: {supported: \"${r}\"}\n",
		},
		"not a range": {
			meta: "name: p\ndescription: D.\nmimirVersions: \">=two\"\n",
			want: []string{"p/plan.yaml:3", `mimirVersions: ">=two" is not a version range`, `">=2.0.0 <3.0.0"`},
		},
		"a gate that admits another range": {
			meta: "name: p\nmimirVersions: \">=2.0.0 <3.0.0\"\npreflight:\n  - name: mimir-2.x\n    version:\n      pods: {labels: name=distributor}\n      supported: \">=2.0.0\"\n",
			want: []string{"p/plan.yaml:7", "preflight[0].version.supported", `preflight gate mimir-2.x admits ">=2.0.0", but the plan's mimirVersions says ">=2.0.0 <3.0.0"`},
		},
		"a parameter that binds another range": {
			meta: "name: p\nmimirVersions: \">=2.17.0\"\nparameters:\n  - {name: r, type: string, default: \">=2.0.0\"}\npreflight:\n  - version: {supported: \"${r}\"}\n",
			want: []string{`admits ">=2.0.0", but the plan's mimirVersions says ">=2.17.0"`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte(tc.meta)}, "p/steps/a.yaml": {Data: []byte(step)}}
			reg := plantest.NewRegistry().AddGate(plan.GateKind{Name: "version", Summary: "versions", New: func() plan.GateSpec { return &fakeVersionSpec{} }})
			_, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: reg})
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
