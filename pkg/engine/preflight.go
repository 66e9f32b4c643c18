package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

var _ plan.Preflighter = (*Binder)(nil)

// Preflight checks what the plan needs before any step runs: a reachable
// Prometheus when it has PromQL gates, a Tanka environment that renders now
// and after each jsonnet change the run has yet to apply (pending; nil: every
// change), a Helm release installed and rendering after each pending
// helmValues change, and the admission webhooks that may refuse a scale-down
// (reported, with what they will do).
func (b *Binder) Preflight(ctx context.Context, p *plan.Plan, pending plan.Pending) ([]string, error) {
	var errs []error
	needs := kindsOf(p)
	if needs["promql"] {
		errs = append(errs, b.checkPrometheus(ctx))
	}
	if needs["jsonnet"] {
		errs = append(errs, b.checkEnvironment(ctx, p, pending))
	}
	if needs["helmValues"] {
		errs = append(errs, b.checkHelmEnvironment(ctx, p, pending))
	}
	notices, err := b.webhookNotices(ctx)
	errs = append(errs, err)
	return notices, errors.Join(errs...)
}

// kindsOf lists the action and gate kinds a plan uses.
func kindsOf(p *plan.Plan) map[string]bool {
	out := map[string]bool{}
	for _, g := range p.Preflight {
		out[g.Kind] = true
	}
	for _, s := range p.Steps {
		for _, a := range s.Actions {
			out[a.Kind] = true
		}
		for _, g := range s.Gates {
			out[g.Kind] = true
		}
	}
	return out
}

func (b *Binder) checkPrometheus(ctx context.Context) error {
	api, err := b.prometheus()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, b.d.Prometheus.QueryTimeout())
	defer cancel()
	if _, _, err := api.Query(ctx, "vector(1)", b.d.Now()); err != nil {
		return fmt.Errorf("the plan's PromQL gates need %s, which does not answer: %w", b.d.Prometheus.URL, err)
	}
	return nil
}

// webhookNotices explains the rollout-operator webhooks that guard
// StatefulSets of the namespace.
func (b *Binder) webhookNotices(ctx context.Context) ([]string, error) {
	if b.d.Kube == nil {
		return nil, nil
	}
	pre, err := kube.DetectDownscaleWebhooks(ctx, b.d.Kube, b.d.Namespace, b.d.Now())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range pre.Guards {
		msg := fmt.Sprintf("StatefulSet %s: %s", g.StatefulSet, g.Explanation)
		switch {
		case g.DirectScaleUnsafe:
			msg += " (mimirctl will not scale it down directly)"
		case g.RefusesNow:
			msg += " (a scale-down now would be refused)"
		}
		out = append(out, msg)
	}
	out = append(out, pre.Warnings...)
	return out, nil
}
