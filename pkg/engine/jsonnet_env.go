package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// environment is the Tanka environment of a run, with a cache of renders by
// overlay (a plan preview renders each step's overlay once).
type environment struct {
	dir string
	// render renders the environment with overlay o instead of the file on
	// disk: cachedRender; tests wrap it to count the renders an action asks
	// for.
	render func(ctx context.Context, o *tanka.Overlay) (*tanka.Result, error)
	mu     sync.Mutex
	env    *tanka.Environment
	cache  map[string]*tanka.Result
}

func (b *Binder) environment() (*environment, error) {
	if b.d.Env == "" {
		return nil, errors.New("this plan changes the Tanka environment: pass --env DIR (the directory of main.jsonnet; run `mimirctl init --env DIR` once)")
	}
	if b.envCache != nil {
		return b.envCache, nil
	}
	env, err := tanka.Find(b.d.Env)
	if err != nil {
		return nil, err
	}
	ok, err := tanka.Initialized(env.Dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s does not import %s yet: run `mimirctl init --env %s` and commit the change", env.EntrypointPath(), tanka.OverlayFile, b.d.Env)
	}
	e := &environment{dir: env.Dir, env: env, cache: map[string]*tanka.Result{}}
	e.render = e.cachedRender
	b.envCache = e
	return e, nil
}

// cachedRender renders the environment with overlay o (tanka.Render), once
// per distinct overlay for the environment's lifetime.
func (e *environment) cachedRender(ctx context.Context, o *tanka.Overlay) (*tanka.Result, error) {
	key, err := json.Marshal(o.Clone())
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.cache[string(key)]; ok {
		return r, nil
	}
	r, err := tanka.Render(ctx, e.env, tanka.Options{Overlay: o})
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

// overlayBefore is the overlay as it will be when the jsonnet action at
// (step, index) runs: the file as it is, plus every earlier jsonnet change
// of the plan it does not hold yet.
func overlayBefore(file *tanka.Overlay, p *plan.Plan, step *plan.Step, cfg *JsonnetSpec) *tanka.Overlay {
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
			if !js.appliedIn(o) {
				js.ApplyTo(o)
			}
		}
		if s == step {
			break
		}
	}
	return o
}

// byRef indexes objects by kind/namespace/name.
func byRef(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	out := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		out[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = o
	}
	return out
}
