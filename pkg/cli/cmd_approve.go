package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// ApproveOptions are the parsed command line of `mimirctl approve STEP`.
type ApproveOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Step is the manual step's ID (the argument).
	Step string
	// As is who approves (--as; "": user@host).
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
	cmd.Flags().StringVar(&opts.As, "as", "", "who approves (default: user@host)")
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
	fmt.Fprintf(f.IO.ErrOut, "approved %s as %s; run `mimirctl resume` to continue\n", opts.Step, approver(opts.As))
	return nil
}

func newAbortCmd(f *Factory) *cobra.Command {
	var reason, forceUnlock string
	cmd := &cobra.Command{
		Use:   "abort",
		Short: "Abandon the unfinished run (changes nothing in the cluster) and show how to undo its steps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := mimirctl.Abort(cmd.Context(), &f.Target, mimirctl.AbortOptions{Reason: reason, ForceUnlock: forceUnlock})
			if err != nil {
				return err
			}
			if f.Output == "json" {
				return writeJSON(f.IO.Out, st)
			}
			f.printUndo(st)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "aborted by "+approver(""), "why the run is abandoned, for the record")
	cmd.Flags().StringVar(&forceUnlock, "force-unlock", "", "free a lock left by a run that is gone, given its lock ID")
	return cmd
}

// printUndo lists the started steps, newest first, with their undo hints.
func (f *Factory) printUndo(st *plan.State) {
	fmt.Fprintf(f.IO.ErrOut, "run %s of plan %s aborted; nothing was changed in the cluster.\n", st.RunID, st.Plan)
	hints, err := mimirctl.UndoHints(&f.Target, st)
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "(cannot load plan %s from %s for its undo hints: %v)\n", st.Plan, st.Source(), err)
	}
	var lines []string
	for _, h := range hints {
		undo := h.Undo
		if undo == "" {
			undo = "(no undo hint)"
		}
		lines = append(lines, fmt.Sprintf("  %s (%s): %s", h.Step, h.Status, indent(undo, "      ")[6:]))
	}
	if len(lines) > 0 {
		fmt.Fprintf(f.IO.Out, "To revert, newest first:\n%s\n", strings.Join(lines, "\n"))
	}
}
