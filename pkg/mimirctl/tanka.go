package mimirctl

import (
	"context"
	"errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// errNoEnv is the error of Init and Render without an environment.
var errNoEnv = errors.New("--env: no Tanka environment directory given (the directory of main.jsonnet)")

// InitOptions are the inputs of Init.
type InitOptions struct {
	// Env is the Tanka environment directory (holding main.jsonnet and,
	// unless inline, spec.json); required.
	Env string
}

// Init makes the environment's main.jsonnet merge mimirctl's overlay file
// (tanka.OverlayFile, mimirctl.libsonnet) last, by appending
// `+ (import 'mimirctl.libsonnet')` to its top-level object, and creates
// an empty overlay file when there is none; it renders the environment
// before and after and restores main.jsonnet unless the objects are
// identical (tanka.Init). It reads no cluster and takes no Target. Calling
// it on an environment it already changed changes nothing
// (InitResult.Changed false). Errors: Env empty; *tanka.InitRefusedError
// for an environment it cannot change safely (inline, a top-level
// function, an overlay imported another way or already holding changes),
// with the reason; *tanka.EvalError when the environment does not render.
func Init(ctx context.Context, o InitOptions) (*tanka.InitResult, error) {
	if o.Env == "" {
		return nil, errNoEnv
	}
	return tanka.Init(ctx, o.Env, tanka.Options{})
}

// RenderOptions are the inputs of Render.
type RenderOptions struct {
	// Env is the Tanka environment directory (holding main.jsonnet);
	// required unless Helm is set.
	Env string
	// Helm names a Helm environment instead of a Tanka one.
	Helm *HelmOptions
	// WithoutOverlay renders with an empty overlay file instead of the
	// one on disk: the objects without any plan step's changes.
	WithoutOverlay bool
	// AsApplied adds the labels mimirctl's own apply sets on every object
	// (app.kubernetes.io/managed-by, mimirctl.dev/environment), as apply
	// and Diff send the objects (envchange.AppliedObjects).
	AsApplied bool
}

// Render renders the environment as a pipeline receives it (main.jsonnet
// with the overlay file plan steps write, like tk show; or a Helm release
// with its values files and the overlay values file last, like helm
// template) and returns its Kubernetes objects in Tanka's or Helm's
// install order. It reads no cluster and takes no Target. Errors: Env
// empty without Helm, or both given; the environment's (tanka.Load: no
// main.jsonnet, *tanka.EvalError for jsonnet that does not evaluate;
// helmenv: a chart or values file that does not load, a template that
// fails, naming it); AsApplied with Helm.
func Render(ctx context.Context, o RenderOptions) ([]*unstructured.Unstructured, error) {
	if o.Helm != nil {
		if o.Env != "" {
			return nil, errEnvAndChart
		}
		if o.AsApplied {
			return nil, errHelmAsApplied
		}
		return renderHelm(ctx, o.Helm, o.WithoutOverlay)
	}
	if o.Env == "" {
		return nil, errNoEnv
	}
	lo := tanka.Options{}
	if o.WithoutOverlay {
		// The importer hands this empty overlay to every import of the
		// file, however main.jsonnet imports it.
		lo.Overlay = &tanka.Overlay{}
	}
	res, err := tanka.Load(ctx, o.Env, lo)
	if err != nil {
		return nil, err
	}
	if !o.AsApplied {
		return res.Objects, nil
	}
	objs, _, err := envchange.AppliedObjects(res, false)
	return objs, err
}
