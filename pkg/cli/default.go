package cli

import (
	"context"
	"io/fs"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// NewFactory returns the factory of the real program.
func NewFactory(io IOStreams, builtin fs.FS) *Factory {
	return &Factory{IO: io, BuiltinPlans: builtin, Registry: engine.Registry, Binder: engineBinder, Clock: plan.RealClock{}}
}

// engineBinder binds plans to the cluster the flags select.
func engineBinder(_ context.Context, f *Factory, o BindOptions) (plan.Binder, error) {
	c, err := f.Clients()
	if err != nil {
		return nil, err
	}
	pods, err := f.Pods()
	if err != nil {
		return nil, err
	}
	return engine.NewBinder(engine.Deps{
		Kube: c.Kube, Dynamic: c.Dynamic, Mapper: c.Mapper, Namespace: c.Namespace, Pods: pods, Now: f.Clock.Now, Prometheus: o.Prometheus,
		Options: engine.Options{Env: o.Env, External: o.ApplyMode == "external", DeletePVCs: o.DeletePVCs, ForceConflicts: o.ForceConflicts,
			ForceFlush: o.ForceFlush, RolloutTimeout: o.RolloutTimeout, ExternalTimeout: o.ExternalTimeout},
	}), nil
}
