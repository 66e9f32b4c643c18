package engine

import (
	"context"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// checkEnvironment renders the environment as it is, then as each pending
// jsonnet change of p will leave it (the overlay file plus the plan's changes
// up to that one, as Preview does), before any step runs. A library refuses
// some states by assertion (Grafana's read-write mode:
// compactor_max_concurrency 1, memberlist_ring_enabled, multi-zone ingesters
// and store-gateways, querier autoscaling and ruler remote evaluation off,
// ...): found here, the run stops before its first step with the library's
// message, instead of in the middle of the procedure with the cluster
// half-way. The first change that does not render is returned; later ones
// build on it. A change the run applied is not rendered again: a later step
// may have set its values otherwise, and the file with the old change put
// back is a state the run never reaches (nor one to refuse a start for).
func (b *Binder) checkEnvironment(ctx context.Context, p *plan.Plan, pending plan.Pending) error {
	env, err := b.environment()
	if err != nil {
		return err
	}
	file, err := tanka.ReadOverlay(env.Dir())
	if err != nil {
		return err
	}
	if _, err := env.Render(ctx, file); err != nil {
		return err
	}
	for _, po := range envchange.PendingOverlays(file, p, pending) {
		if _, err := env.Render(ctx, po.Overlay); err != nil {
			return fmt.Errorf("step %s would leave the environment unable to render, so the run does not start "+
				"(set what the library asks for in your environment, then run again): %w", po.Step.ID, err)
		}
	}
	return nil
}

// checkHelmEnvironment is checkEnvironment for a Helm release: the
// release is installed, and the chart renders with the values file as it
// is and as each pending helmValues change of p will leave it (a chart refuses
// values with its own `fail` templates: the mimir-distributed chart's
// validation). The first change that does not render is returned.
func (b *Binder) checkHelmEnvironment(ctx context.Context, p *plan.Plan, pending plan.Pending) error {
	h := b.d.Helm
	if h == nil {
		return envchange.ErrNoHelmEnvironment
	}
	file, err := h.ReadOverlay()
	if err != nil {
		return err
	}
	d, err := h.Desired(ctx, b.d.Kube, b.d.Mapper, file)
	if err != nil {
		return err
	}
	if d.Current == nil {
		return fmt.Errorf("the Helm release %s is not installed in namespace %s: install it with helm first (mimirctl upgrades releases, it does not install them)", h.Env.Release, h.Env.Namespace)
	}
	for _, pv := range envchange.PendingValues(file, p, pending) {
		if _, err := h.Rendered(ctx, b.d.Kube, b.d.Mapper, pv.Values); err != nil {
			return fmt.Errorf("step %s would leave the Helm release unable to render, so the run does not start "+
				"(set what the chart asks for in your values, then run again): %w", pv.Step.ID, err)
		}
	}
	return nil
}
