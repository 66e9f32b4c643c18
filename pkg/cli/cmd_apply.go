package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/duration"
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

// recordedFlags are the flags a run records in its state for resume: the
// environment, the apply mode and every Prometheus connection setting that
// is not a secret. Secrets are only ever referenced by the file that holds
// them (--prometheus-password-file, --prometheus-bearer-token-file); a
// --prometheus-url with credentials in it is refused (promgate.Connection
// Validate), since the state is a ConfigMap anyone who reads the namespace
// sees.
func recordedFlags(b *BindOptions) map[string]*string {
	c := &b.Prometheus
	return map[string]*string{
		"env": &b.Env, "apply-mode": &b.ApplyMode,
		"prometheus-url": &c.URL, "prometheus-tenant": &c.Tenant, "prometheus-user": &c.BasicAuthUser,
		"prometheus-password-file": &c.BasicAuthPasswordFile, "prometheus-bearer-token-file": &c.BearerTokenFile,
		"prometheus-ca-file": &c.CAFile, "prometheus-cert-file": &c.CertFile, "prometheus-key-file": &c.KeyFile,
		"prometheus-server-name": &c.ServerName,
	}
}

// recordedOptions fills the flags the user did not give from the run's
// recorded options, so that `resume` needs no flag repeated.
func (f *Factory) recordedOptions(cmd *cobra.Command, b *BindOptions) error {
	st, err := f.currentState(cmd.Context())
	if err != nil || st == nil {
		return err
	}
	for flag, dst := range recordedFlags(b) {
		if v := st.Options[flag]; v != "" && !cmd.Flags().Changed(flag) {
			*dst = v
		}
	}
	c := &b.Prometheus
	if v := st.Options["prometheus-insecure-skip-verify"]; v == "true" && !cmd.Flags().Changed("prometheus-insecure-skip-verify") {
		c.InsecureSkipVerify = true
	}
	if v := st.Options["prometheus-timeout"]; v != "" && !cmd.Flags().Changed("prometheus-timeout") {
		d, err := duration.Parse(v)
		if err != nil {
			return fmt.Errorf("the run state's prometheus-timeout %q is not a duration: %w", v, err)
		}
		c.Timeout = d
	}
	return nil
}

// runOptions are the options a run records (see recordedFlags).
func runOptions(b BindOptions) map[string]string {
	out := map[string]string{}
	for flag, v := range recordedFlags(&b) {
		out[flag] = *v
	}
	if b.Prometheus.InsecureSkipVerify {
		out["prometheus-insecure-skip-verify"] = "true"
	}
	if b.Prometheus.Timeout > 0 {
		out["prometheus-timeout"] = b.Prometheus.Timeout.D().String()
	}
	return out
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
	r.Options = runOptions(bind)
	return r, nil
}
