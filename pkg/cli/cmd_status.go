package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// StatusOptions are the parsed command line of `mimirctl status`.
type StatusOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
}

// NewCmdStatus builds `mimirctl status`. runF runs the parsed command
// (runStatus when nil); parse-layer tests pass their own to capture opts.
func NewCmdStatus(f *Factory, runF func(ctx context.Context, opts *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	if runF == nil {
		runF = runStatus
	}
	return &cobra.Command{
		Use:   "status",
		Short: "Show where the current run stands, and who holds the lock",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runF(cmd.Context(), opts)
		},
	}
}

// runStatus reads the status through the library and prints it: the
// StatusResult as JSON with -o json, a summary otherwise.
func runStatus(ctx context.Context, opts *StatusOptions) error {
	f := opts.Factory
	res, err := mimirctl.Status(ctx, &f.Target, mimirctl.StatusOptions{})
	if err != nil {
		return err
	}
	if f.Output == "json" {
		return writeJSON(f.IO.Out, res)
	}
	renderStatus(f.IO.Out, res.State, res.Lock, res.Where, f.Clock.Now(), progress.Style(f.IO.OutTTY))
	return nil
}

func renderStatus(w io.Writer, st *plan.State, lock *plan.LockInfo, where string, now time.Time, s progress.Style) {
	if lock != nil {
		fmt.Fprintf(w, "Lock: held by %s since %s (lock ID %s)\n", lock.Holder, lock.Acquired.Format(time.RFC3339), lock.ID)
	}
	if st == nil {
		fmt.Fprintf(w, "No run recorded in %s.\n", where)
		return
	}
	fmt.Fprintf(w, "%s %s of plan %s: %s\n", s.Bold("Run"), st.RunID, st.Plan, s.Bold(string(st.Status)))
	if st.Reason != "" {
		fmt.Fprintf(w, "%s\n", indent(st.Reason, "  "))
	}
	fmt.Fprintf(w, "Started %s, updated %s, on %s (state in %s)\n", st.StartedAt.Format(time.RFC3339), st.UpdatedAt.Format(time.RFC3339), st.Cluster, where)
	for i, ss := range st.Steps {
		fmt.Fprintf(w, "  %s [%d/%d] %-32s %s\n", stepMark(ss.Status, s), i+1, len(st.Steps), ss.ID, ss.Status)
		if ss.Status == plan.StepDone || ss.Status == plan.StepPending {
			continue
		}
		for _, a := range ss.Actions {
			fmt.Fprintf(w, "        action %-40s %s\n", a.Label, a.Status)
		}
		for _, g := range ss.Gates {
			if g.Evaluations > 0 {
				fmt.Fprintf(w, "        gate %s: %s (%d evaluations, last %s)\n", g.Name, g.Observation, g.Evaluations, g.At.Format(time.RFC3339))
			}
		}
		if ss.WaitUntil != nil {
			fmt.Fprintf(w, "        waits until %s (%s left)\n", ss.WaitUntil.Format(time.RFC3339), max(0, ss.WaitUntil.Sub(now)).Round(time.Second))
		}
		if ss.Approval != nil {
			fmt.Fprintf(w, "        approved by %s at %s\n", ss.Approval.By, ss.Approval.At.Format(time.RFC3339))
		}
		if ss.Note != "" {
			fmt.Fprintf(w, "        %s\n", ss.Note)
		}
		if ss.Error != "" {
			fmt.Fprintf(w, "        error: %s\n", ss.Error)
		}
	}
	for id, a := range st.Approvals {
		fmt.Fprintf(w, "  approved in advance: %s by %s at %s\n", id, a.By, a.At.Format(time.RFC3339))
	}
}

func stepMark(status plan.StepStatus, s progress.Style) string {
	switch status {
	case plan.StepDone:
		return s.Green("✓")
	case plan.StepFailed:
		return s.Red("✗")
	case plan.StepPending:
		return " "
	default:
		return s.Yellow("▶")
	}
}
