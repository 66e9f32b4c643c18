package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// AbortOptions are the parsed command line of `mimirctl abort`.
type AbortOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Reason is why the run is abandoned (--reason; default "aborted by
	// user@host").
	Reason string
	// ForceUnlock is --force-unlock: the lock ID of a run that is gone.
	ForceUnlock string
}

// NewCmdAbort builds `mimirctl abort`. runF runs the parsed command
// (runAbort when nil); parse-layer tests pass their own to capture opts.
func NewCmdAbort(f *Factory, runF func(ctx context.Context, opts *AbortOptions) error) *cobra.Command {
	opts := &AbortOptions{Factory: f}
	if runF == nil {
		runF = runAbort
	}
	cmd := &cobra.Command{
		Use:   "abort",
		Short: "Abandon the unfinished run (changes nothing in the cluster) and show how to undo its steps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "aborted by "+approver(""), "why the run is abandoned, for the record")
	cmd.Flags().StringVar(&opts.ForceUnlock, "force-unlock", "", "free a lock left by a run that is gone, given its lock ID")
	return cmd
}

// runAbort abandons the run through the library and prints its state as
// JSON with -o json, the undo hints of its started steps otherwise.
func runAbort(ctx context.Context, opts *AbortOptions) error {
	f := opts.Factory
	st, err := mimirctl.Abort(ctx, &f.Target, mimirctl.AbortOptions{Reason: opts.Reason, ForceUnlock: opts.ForceUnlock})
	if err != nil {
		return err
	}
	if f.Output == "json" {
		return writeJSON(f.IO.Out, st)
	}
	printUndo(f, st)
	return nil
}

// printUndo lists the started steps, newest first, with their undo hints.
func printUndo(f *Factory, st *plan.State) {
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
