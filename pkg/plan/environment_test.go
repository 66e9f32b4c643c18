package plan_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// fakeEnvChange is a fake environment change of one kind, for these tests.
type fakeEnvChange struct {
	Key  string `yaml:"key"`
	kind string
}

func (f *fakeEnvChange) Validate() error         { return nil }
func (f *fakeEnvChange) Describe() string        { return f.kind + " " + f.Key }
func (f *fakeEnvChange) EnvironmentKind() string { return f.kind }

type fakeOther struct {
	Key string `yaml:"key"`
}

func (f *fakeOther) Validate() error  { return nil }
func (f *fakeOther) Describe() string { return "other " + f.Key }

func envRegistry() *plan.Registry {
	r := plan.NewRegistry()
	r.AddAction(plan.ActionKind{Name: "tankaChange", Summary: "fake", New: func() plan.ActionSpec { return &fakeEnvChange{kind: plan.EnvironmentTanka} }})
	r.AddAction(plan.ActionKind{Name: "helmChange", Summary: "fake", New: func() plan.ActionSpec { return &fakeEnvChange{kind: plan.EnvironmentHelm} }})
	r.AddAction(plan.ActionKind{Name: "other", Summary: "fake", New: func() plan.ActionSpec { return &fakeOther{} }})
	return r
}

const twoKindsStep = "id: a\ntitle: A\nactions:\n  - tankaChange: {key: t}\n  - helmChange: {key: h}\n  - other: {key: o}\n"

// A plan for both kinds keeps, on each, its own changes and every other
// action; a plan for one kind refuses the other with its reason; no
// environment keeps everything.
func TestForEnvironment(t *testing.T) {
	fsys := fstest.MapFS{
		"both/plan.yaml":       {Data: []byte("name: both\nenvironments: [tanka, helm]\n")},
		"both/steps/a.yaml":    {Data: []byte(twoKindsStep)},
		"tanka/plan.yaml":      {Data: []byte("name: tanka-only\nenvironmentReason: the chart has no read-write mode\n")},
		"tanka/steps/a.yaml":   {Data: []byte("id: a\ntitle: A\nactions:\n  - tankaChange: {key: t}\n")},
		"nothing/plan.yaml":    {Data: []byte("name: nothing\n")},
		"nothing/steps/a.yaml": {Data: []byte("id: a\ntitle: A\nactions:\n  - other: {key: o}\n")},
	}
	load := func(dir string) *plan.Plan {
		p, err := plan.Load(fsys, dir, plan.LoadOptions{Registry: envRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	both := load("both")
	for kind, want := range map[string]string{plan.EnvironmentTanka: "tanka t, other o", plan.EnvironmentHelm: "helm h, other o", "": "tanka t, helm h, other o"} {
		p, err := both.ForEnvironment(kind)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range p.Steps[0].Actions {
			got = append(got, a.Spec.Describe())
		}
		if strings.Join(got, ", ") != want {
			t.Errorf("%q: %q, want %q", kind, got, want)
		}
	}
	if len(both.Steps[0].Actions) != 3 {
		t.Error("ForEnvironment changed the plan it was called on")
	}
	_, err := load("tanka").ForEnvironment(plan.EnvironmentHelm)
	if err == nil || !strings.Contains(err.Error(), "does not run on a helm environment: the chart has no read-write mode (it supports: tanka)") {
		t.Errorf("a Tanka-only plan on Helm: %v", err)
	}
	for _, kind := range []string{plan.EnvironmentTanka, plan.EnvironmentHelm} {
		if _, err := load("nothing").ForEnvironment(kind); err != nil {
			t.Errorf("a plan that changes no environment, on %s: %v", kind, err)
		}
	}
}

// A declared kind must be known, and a step that changes the environment
// must do so for every declared kind.
func TestEnvironmentsDeclarationIsChecked(t *testing.T) {
	for name, tc := range map[string]struct{ meta, step, want string }{
		"unknown kind": {"name: p\nenvironments: [tanka, helmfile]\n", twoKindsStep, `unknown environment kind "helmfile"`},
		"step lacks helm": {"name: p\nenvironments: [tanka, helm]\n", "id: a\ntitle: A\nactions:\n  - tankaChange: {key: t}\n",
			"step a changes the environment but has no action for helm environments"},
		"unknown default kind": {"name: p\nparameters:\n  - {name: x, type: string, default: a, environmentDefaults: {flux: b}}\n", twoKindsStep, `unknown environment kind "flux"`},
	} {
		fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte(tc.meta)}, "p/steps/a.yaml": {Data: []byte(tc.step)}}
		_, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: envRegistry()})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// A parameter's default for the run's kind of environment replaces its
// default; a value given still wins.
func TestEnvironmentDefaults(t *testing.T) {
	fsys := fstest.MapFS{
		"p/plan.yaml":    {Data: []byte("name: p\nparameters:\n  - {name: pods, type: string, default: gossip_ring_member=true, environmentDefaults: {helm: app.kubernetes.io/part-of=memberlist}}\n")},
		"p/steps/a.yaml": {Data: []byte("id: a\ntitle: A\nactions:\n  - other: {key: \"${pods}\"}\n")},
	}
	for _, tc := range []struct {
		env    string
		params map[string]string
		want   string
	}{
		{"", nil, "gossip_ring_member=true"},
		{plan.EnvironmentTanka, nil, "gossip_ring_member=true"},
		{plan.EnvironmentHelm, nil, "app.kubernetes.io/part-of=memberlist"},
		{plan.EnvironmentHelm, map[string]string{"pods": "name=x"}, "name=x"},
	} {
		p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: envRegistry(), Environment: tc.env, Params: tc.params})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Steps[0].Actions[0].Spec.Describe(); got != "other "+tc.want {
			t.Errorf("%q %v: %q, want %q", tc.env, tc.params, got, tc.want)
		}
	}
}

// A plan whose kind of environment follows a parameter (ring-kv-to-
// memberlist's configMode) refused on an environment names the parameters
// given against their defaults for it.
func TestEnvironmentRefusalNamesTheParametersThatChoseTheOtherKind(t *testing.T) {
	fsys := fstest.MapFS{
		"m/plan.yaml": {Data: []byte("name: m\nparameters:\n  - {name: mode, type: string, default: tanka, environmentDefaults: {helm: helm}}\n  - {name: other, type: string, default: x}\n")},
		"m/steps/a.jsonnet": {Data: []byte("local p = std.extVar('params');\n" +
			"[{ id: 'a', title: 'A', actions: [if p.mode == 'helm' then { helmChange: { key: 'h' } } else { tankaChange: { key: 't' } }] }]\n")},
	}
	for kind, tc := range map[string]struct {
		params map[string]string
		want   string
	}{
		plan.EnvironmentHelm:  {map[string]string{"mode": "tanka", "other": "y"}, "(it supports: tanka); these parameters differ from their helm defaults: -p mode=tanka (default helm)"},
		plan.EnvironmentTanka: {map[string]string{"mode": "helm"}, "(it supports: helm); these parameters differ from their tanka defaults: -p mode=helm (default tanka)"},
	} {
		p, err := plan.Load(fsys, "m", plan.LoadOptions{Registry: envRegistry(), Params: tc.params, Environment: kind})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ForEnvironment(kind); err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to end with %q", kind, err, tc.want)
		}
	}
}
