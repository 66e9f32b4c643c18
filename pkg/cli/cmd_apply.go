package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
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
	cmd.Flags().StringVar(&a.forceUnlock, "force-unlock", "", "free the lock left by a run that is gone, given its lock `ID` (mimirctl status shows it)")
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
	return mimirctl.Apply(ctx, &f.Target, mimirctl.ApplyOptions{Plan: name, Params: raw, Bind: a.run.bind, Run: opts, Hooks: f.runHooks()})
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
			return mimirctl.Resume(cmd.Context(), &f.Target, mimirctl.ResumeOptions{
				Bind: a.run.bind, Given: cmd.Flags().Changed, Run: opts, Hooks: f.runHooks(),
			})
		},
	}
	a.register(cmd)
	return cmd
}
