package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// ApplyOptions are the parsed command line of `mimirctl apply PLAN`.
type ApplyOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Plan is a built-in plan's name or a plan directory (the argument).
	Plan string
	// ApplyFlags are --param (parsed), the binding options (validated,
	// paths made absolute), the window as typed, --yes,
	// --allow-plan-change and --force-unlock.
	ApplyFlags
}

// NewCmdApply builds `mimirctl apply PLAN`. runF runs the parsed command
// (runApply when nil); parse-layer tests pass their own to capture opts.
func NewCmdApply(f *Factory, runF func(ctx context.Context, opts *ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{Factory: f}
	if runF == nil {
		runF = runApply
	}
	cmd := &cobra.Command{
		Use:   "apply PLAN",
		Short: "Run a plan: new, or continuing its unfinished run",
		Long: `Run PLAN step by step: each action is applied unless its check says it is done, gates are
evaluated until they pass, waits and manual approvals are honoured, and the state is saved after
every action so that '` + invocation.Command("resume") + `' continues exactly where a run stopped.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Plan = args[0]
			if err := opts.complete(); err != nil {
				return err
			}
			if err := opts.validate(); err != nil {
				return err
			}
			return runF(cmd.Context(), opts)
		},
	}
	opts.register(cmd)
	return cmd
}

// runApply runs the plan through the library, its progress on stderr.
func runApply(ctx context.Context, opts *ApplyOptions) error {
	return applyPlan(ctx, opts.Factory, opts.Plan, &opts.ApplyFlags)
}

// applyPlan runs the plan name with a's parameters and options; the run's
// window ends at a's end from the factory's clock.
func applyPlan(ctx context.Context, f *Factory, name string, a *ApplyFlags) error {
	run, err := a.runOptions(f.Clock.Now())
	if err != nil {
		return err
	}
	return mimirctl.Apply(ctx, &f.Target, mimirctl.ApplyOptions{Plan: name, Params: a.Params, Bind: a.Bind, Run: run, Hooks: f.runHooks()})
}

// ResumeOptions are the parsed command line of `mimirctl resume`.
type ResumeOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// ApplyFlags are as for apply; --param is refused (Params stays nil).
	ApplyFlags
	// Given reports whether a flag (by name) was set on the command line:
	// the binding options not given are taken from the run's record.
	Given func(flag string) bool
}

// NewCmdResume builds `mimirctl resume`. runF runs the parsed command
// (runResume when nil); parse-layer tests pass their own to capture opts.
func NewCmdResume(f *Factory, runF func(ctx context.Context, opts *ResumeOptions) error) *cobra.Command {
	opts := &ResumeOptions{Factory: f}
	if runF == nil {
		runF = runResume
	}
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Continue the unfinished run where it stopped",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			if len(opts.params) > 0 {
				return flagError("resume takes the run's recorded parameters; to change them use `%s`", invocation.Command("apply", "PLAN", "--param", "...", "--allow-plan-change"))
			}
			opts.Given = cmd.Flags().Changed
			return runF(cmd.Context(), opts)
		},
	}
	opts.register(cmd)
	return cmd
}

// runResume continues the recorded run through the library.
func runResume(ctx context.Context, opts *ResumeOptions) error {
	f := opts.Factory
	run, err := opts.runOptions(f.Clock.Now())
	if err != nil {
		return err
	}
	return mimirctl.Resume(ctx, &f.Target, mimirctl.ResumeOptions{Bind: opts.Bind, Given: opts.Given, Run: run, Hooks: f.runHooks()})
}
