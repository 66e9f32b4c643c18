package envchange

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// Environment is the Tanka environment of a run, with a cache of renders by
// overlay (a plan preview renders each step's overlay once). It is safe for
// concurrent use.
type Environment struct {
	dir string
	// render renders the environment with overlay o instead of the file on
	// disk: cachedRender; tests wrap it to count the renders an action asks
	// for.
	render func(ctx context.Context, o *tanka.Overlay) (*tanka.Result, error)
	mu     sync.Mutex
	env    *tanka.Environment
	cache  map[string]*tanka.Result
	memo   *tanka.Memo // across processes (UseMemo); nil: none
}

// errNoEnvironment is the refusal of a plan that changes the environment
// when the run was given none.
var errNoEnvironment = invocation.NewError(func() string {
	return "this plan changes the Tanka environment: pass --env DIR (the directory of main.jsonnet; run `" + invocation.Command("init", "--env", "DIR") + "` once)"
})

// OpenEnvironment finds the Tanka environment of dir (the --env argument:
// the directory of main.jsonnet, or a file in it; tanka.Find). Errors: dir
// is empty, holds no environment, or its main.jsonnet does not import the
// overlay file yet (`mimirctl init` adds the import).
func OpenEnvironment(dir string) (*Environment, error) {
	if dir == "" {
		return nil, errNoEnvironment
	}
	env, err := tanka.Find(dir)
	if err != nil {
		return nil, err
	}
	ok, err := tanka.Initialized(env.Dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s does not import %s yet: run `%s` and commit the change", env.EntrypointPath(), tanka.OverlayFile, invocation.Command("init", "--env", dir))
	}
	e := &Environment{dir: env.Dir, env: env, cache: map[string]*tanka.Result{}}
	e.render = e.cachedRender
	return e, nil
}

// UseMemo makes renders consult and fill m (tanka.Memo) before evaluating;
// nil: no memo. Call it before the first render.
func (e *Environment) UseMemo(m *tanka.Memo) { e.memo = m }

// Dir is the environment's directory, where the overlay file is.
func (e *Environment) Dir() string { return e.dir }

// Render renders the environment with overlay o in place of the overlay
// file (tanka.Render), once per distinct set of merges for e's lifetime.
func (e *Environment) Render(ctx context.Context, o *tanka.Overlay) (*tanka.Result, error) {
	return e.render(ctx, o)
}

// cachedRender renders the environment with overlay o (tanka.Render), once
// per distinct set of merges (tanka.Overlay.Merges: whichever step the
// header names) for the environment's lifetime.
func (e *Environment) cachedRender(ctx context.Context, o *tanka.Overlay) (*tanka.Result, error) {
	key, err := json.Marshal(o.Merges())
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.cache[string(key)]; ok {
		return r, nil
	}
	r, err := tanka.Render(ctx, e.env, tanka.Options{Overlay: o, Memo: e.memo})
	if err != nil {
		return nil, err
	}
	e.cache[string(key)] = r
	return r, nil
}

// ownership identifies the environment's objects for labelling and pruning.
func ownership(r *tanka.Result) (kube.Ownership, error) {
	id, err := r.Env.Spec.NameLabel()
	if err != nil {
		return kube.Ownership{}, fmt.Errorf("environment %s: %w", r.Env.Dir, err)
	}
	return kube.Ownership{EnvironmentID: id}, nil
}

// OverlayBefore is the overlay as it will be when the jsonnet action at
// (step, index) runs: the file as it is, plus every earlier jsonnet change
// of the plan it does not hold yet.
func OverlayBefore(file *tanka.Overlay, p *plan.Plan, step *plan.Step, cfg *JsonnetSpec) *tanka.Overlay {
	o := file.Clone()
	for _, s := range p.Steps {
		for _, a := range s.Actions {
			js, ok := a.Spec.(*JsonnetSpec)
			if !ok {
				continue
			}
			if js == cfg {
				return o
			}
			if !js.AppliedIn(o) {
				js.ApplyTo(o)
			}
		}
		if s == step {
			break
		}
	}
	return o
}

// PendingOverlay is the overlay a pending jsonnet change of a plan will
// leave (PendingOverlays).
type PendingOverlay struct {
	Step    *plan.Step
	Overlay *tanka.Overlay
}

// PendingOverlays lists, in plan order, the overlay each jsonnet change of
// p will leave that file does not hold and pending accepts (nil: every
// change): OverlayBefore with the change applied. These are the states a
// run's start renders (pkg/engine's preflight) before any step runs.
func PendingOverlays(file *tanka.Overlay, p *plan.Plan, pending plan.Pending) []PendingOverlay {
	var out []PendingOverlay
	for i, s := range p.Steps {
		for j, a := range s.Actions {
			js, ok := a.Spec.(*JsonnetSpec)
			if !ok || js.AppliedIn(file) || (pending != nil && !pending(plan.ActionRef{Step: i, Action: j})) {
				continue
			}
			after := OverlayBefore(file, p, s, js)
			js.ApplyTo(after)
			out = append(out, PendingOverlay{Step: s, Overlay: after})
		}
	}
	return out
}

// byRef indexes objects by kind/namespace/name.
func byRef(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	out := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		out[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = o
	}
	return out
}
