package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

type applyFlags struct {
	run             runFlags
	yes             bool
	until           string
	window          time.Duration
	allowPlanChange bool
	forceUnlock     string
}

func (a *applyFlags) register(cmd *cobra.Command) {
	a.run.register(cmd.Flags())
	cmd.Flags().BoolVarP(&a.yes, "yes", "y", false, "confirm destructive steps in advance (required when stdin is not a terminal)")
	cmd.Flags().StringVar(&a.until, "until", "", "end of the maintenance window (06:00, \"2026-11-24 06:00\", RFC 3339): a step that does not fit is not started")
	cmd.Flags().DurationVar(&a.window, "window", 0, "length of the maintenance window from now (e.g. 4h)")
	cmd.Flags().BoolVar(&a.allowPlanChange, "allow-plan-change", false, "continue a run although its plan (steps or parameters) changed")
	cmd.Flags().StringVar(&a.forceUnlock, "force-unlock", "", "free the lock left by a run that is gone, given its lock ID (see `mimirctl status`)")
}

func (a *applyFlags) options(now time.Time) (plan.ApplyOptions, error) {
	if err := a.run.validate(); err != nil {
		return plan.ApplyOptions{}, err
	}
	end, err := windowEnd(a.until, a.window, now)
	if err != nil {
		return plan.ApplyOptions{}, err
	}
	return plan.ApplyOptions{Yes: a.yes, Until: end, AllowPlanChange: a.allowPlanChange, ForceUnlock: a.forceUnlock}, nil
}

func newApplyCmd(f *Factory) *cobra.Command {
	var a applyFlags
	cmd := &cobra.Command{
		Use:   "apply PLAN",
		Short: "Run a plan: new, or continuing its unfinished run",
		Long: `Run PLAN step by step: each action is applied unless its check says it is done, gates are
evaluated until they pass, waits and manual approvals are honoured, and the state is saved after
every action so that 'mimirctl resume' continues exactly where a run stopped.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := parseParams(a.run.params)
			if err != nil {
				return err
			}
			return f.applyPlan(cmd.Context(), args[0], raw, &a)
		},
	}
	a.register(cmd)
	return cmd
}

// applyPlan loads a plan and runs it.
func (f *Factory) applyPlan(ctx context.Context, name string, raw map[string]string, a *applyFlags) error {
	opts, err := a.options(f.Clock.Now())
	if err != nil {
		return err
	}
	p, err := f.loadPlan(name, raw)
	if err != nil {
		return err
	}
	r, err := f.runnerFor(ctx, a.run.bind)
	if err != nil {
		return err
	}
	return r.Apply(ctx, p, opts)
}

func newResumeCmd(f *Factory) *cobra.Command {
	var a applyFlags
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Continue the unfinished run where it stopped",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.options(f.Clock.Now())
			if err != nil {
				return err
			}
			if len(a.run.params) > 0 {
				return flagError("resume takes the run's recorded parameters; to change them use `mimirctl apply PLAN --param ... --allow-plan-change`")
			}
			if err := f.recordedOptions(cmd, &a.run.bind); err != nil {
				return err
			}
			if err := a.run.validate(); err != nil {
				return err
			}
			r, err := f.runnerFor(cmd.Context(), a.run.bind)
			if err != nil {
				return err
			}
			return r.Resume(cmd.Context(), f.reloadPlan, opts)
		},
	}
	a.register(cmd)
	return cmd
}

// Names of the options a run records for resume.
const (
	optEnv        = "env"
	optApplyMode  = "apply-mode"
	optPromURL    = "prometheus-url"
	optPromTenant = "prometheus-tenant"
)

// recordedOptions fills the flags the user did not give from the run's
// recorded options, so that `resume` needs no flag repeated.
func (f *Factory) recordedOptions(cmd *cobra.Command, b *BindOptions) error {
	st, err := f.currentState(cmd.Context())
	if err != nil || st == nil {
		return err
	}
	fill := func(flag string, dst *string) {
		if v := st.Options[flag]; v != "" && !cmd.Flags().Changed(flag) {
			*dst = v
		}
	}
	fill(optEnv, &b.Env)
	fill(optApplyMode, &b.ApplyMode)
	fill(optPromURL, &b.Prometheus.URL)
	fill(optPromTenant, &b.Prometheus.Tenant)
	return nil
}

// runnerFor builds a runner with the binder and event sinks of a run.
func (f *Factory) runnerFor(ctx context.Context, bind BindOptions) (*plan.Runner, error) {
	b, err := f.Binder(ctx, f, bind)
	if err != nil {
		return nil, err
	}
	sinks := fanout{newProgressPrinter(f.IO.ErrOut, f.IO.ErrTTY, f.Verbose, f.Clock.Now)}
	if f.Output == "json" {
		sinks = append(sinks, newJSONEvents(f.IO.Out))
	}
	r, err := f.newRunner(ctx, b, sinks)
	if err != nil {
		return nil, err
	}
	r.Options = map[string]string{optEnv: bind.Env, optApplyMode: bind.ApplyMode, optPromURL: bind.Prometheus.URL, optPromTenant: bind.Prometheus.Tenant}
	return r, nil
}
