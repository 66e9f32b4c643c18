package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// ApproveOptions are the parsed command line of `mimirctl approve STEP`.
type ApproveOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Step is the manual step's ID (the argument).
	Step string
	// As is who approves (--as; "": $MIMIRCTL_USER, then user@host).
	As string
	// Comment is what was done (--comment, -m).
	Comment string
}

// NewCmdApprove builds `mimirctl approve STEP`. runF runs the parsed
// command (runApprove when nil); parse-layer tests pass their own to
// capture opts.
func NewCmdApprove(f *Factory, runF func(ctx context.Context, opts *ApproveOptions) error) *cobra.Command {
	opts := &ApproveOptions{Factory: f}
	if runF == nil {
		runF = runApprove
	}
	cmd := &cobra.Command{
		Use:   "approve STEP",
		Short: "Record that a manual step was carried out (the run can then resume)",
		Long: `Record that the manual instruction of STEP was carried out, by whom and when. Works for the step
a run is paused at and, ahead of time, for a later manual step (for unattended maintenance windows).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Step = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.As, "as", "", "who approves (default: $MIMIRCTL_USER, then user@host)")
	cmd.Flags().StringVarP(&opts.Comment, "comment", "m", "", "what was done, for the record")
	return cmd
}

// runApprove records the approval through the library and prints the new
// state as JSON with -o json, a hint to resume otherwise.
func runApprove(ctx context.Context, opts *ApproveOptions) error {
	f := opts.Factory
	st, err := mimirctl.Approve(ctx, &f.Target, mimirctl.ApproveOptions{Step: opts.Step, By: opts.As, Comment: opts.Comment})
	if err != nil {
		return err
	}
	if f.Output == "json" {
		return writeJSON(f.IO.Out, st)
	}
	fmt.Fprintf(f.IO.ErrOut, "approved %s as %s; run `%s` to continue\n", opts.Step, approver(opts.As), invocation.Command("resume"))
	return nil
}
