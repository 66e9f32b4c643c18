package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// PlanOptions are the parsed command line of `mimirctl plan PLAN`.
type PlanOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Plan is a built-in plan's name or a plan directory (the argument).
	Plan string
	// BindFlags are --param (parsed) and the binding options.
	BindFlags
	// WindowFlags are --until and --window, as typed (their end is
	// computed when the command runs).
	WindowFlags
	// DetailedExitCode is --detailed-exitcode: exit 2 when steps remain.
	DetailedExitCode bool
}

// NewCmdPlan builds `mimirctl plan PLAN`. runF runs the parsed command
// (runPlan when nil); parse-layer tests pass their own to capture opts.
func NewCmdPlan(f *Factory, runF func(ctx context.Context, opts *PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{Factory: f}
	if runF == nil {
		runF = runPlan
	}
	cmd := &cobra.Command{
		Use:   "plan PLAN",
		Short: "Show the remaining steps of a plan and what each would change",
		Long: `Check every action of every step not done yet against the cluster and show what it would change
(dyff diffs for jsonnet changes, objects that would be deleted, destructive steps). Nothing is changed.
With --detailed-exitcode the exit code is 2 when steps remain, 0 when the plan is complete.
With --until (or --window) it also shows which remaining steps could start before the window ends,
from the durations steps declare (minDuration, waits): a lower bound, as gates and rollouts take longer.`,
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
	opts.register(cmd.Flags())
	cmd.Flags().StringVar(&opts.Until, "until", "", "end of a maintenance window (as for apply): show which remaining steps could start before it")
	cmd.Flags().DurationVar(&opts.Window, "window", 0, "length of a maintenance window from now (e.g. 4h), as for apply")
	cmd.Flags().BoolVar(&opts.DetailedExitCode, "detailed-exitcode", false, "exit 2 when steps remain (changes pending), 0 when none")
	return cmd
}

// runPlan previews the plan through the library and prints it.
func runPlan(ctx context.Context, opts *PlanOptions) error {
	return previewPlan(ctx, opts.Factory, opts.Plan, &opts.BindFlags, opts.WindowFlags, opts.DetailedExitCode)
}

// previewPlan shows the remaining steps of a plan and what they change:
// the plan.PlanPreview as JSON with -o json, a listing otherwise. With
// detailed it returns ErrChangesPending when steps remain.
func previewPlan(ctx context.Context, f *Factory, name string, b *BindFlags, w WindowFlags, detailed bool) error {
	until, err := w.end(f.Clock.Now())
	if err != nil {
		return err
	}
	pv, err := mimirctl.Plan(ctx, &f.Target, mimirctl.PlanOptions{Plan: name, Params: b.Params, Bind: b.Bind, Until: until})
	if err != nil {
		return err
	}
	if f.Output == "json" {
		err = writeJSON(f.IO.Out, pv)
	} else {
		renderPreview(f.IO.Out, pv, progress.Style(f.IO.OutTTY))
	}
	if err == nil && detailed && pv.Remaining > 0 {
		return ErrChangesPending
	}
	return err
}

func renderPreview(w io.Writer, pv *plan.PlanPreview, s progress.Style) {
	fmt.Fprintf(w, "%s %s (digest %s): %d of %d steps remaining\n", s.Bold("Plan"), pv.Plan, pv.Digest, pv.Remaining, len(pv.Steps))
	if pv.RunID != "" {
		fmt.Fprintf(w, "Run %s is %s\n", pv.RunID, pv.RunStatus)
	}
	for _, n := range pv.Notices {
		fmt.Fprintf(w, "%s %s\n", s.Yellow("!"), n)
	}
	if pv.PreflightError != "" {
		fmt.Fprintf(w, "%s an apply would not start now: %s\n", s.Red("✗"), pv.PreflightError)
	}
	if pv.Position != "" {
		fmt.Fprintf(w, "%s %s\n", s.Dim("»"), pv.Position)
	}
	if pv.WindowEnd != "" {
		n := 0
		for _, sp := range pv.Steps {
			if sp.FitsWindow != nil && *sp.FitsWindow {
				n++
			}
		}
		fmt.Fprintf(w, "Window until %s: %d of %d remaining steps could start before it (from declared durations; gates and rollouts take longer)\n", pv.WindowEnd, n, pv.Remaining)
	}
	for i, sp := range pv.Steps {
		mark := s.Yellow("•")
		if sp.Status == plan.PreviewDone {
			mark = s.Green("✓")
		}
		status := sp.Status
		if sp.LeastDuration != "" {
			status += ", at least " + sp.LeastDuration
		}
		if sp.FitsWindow != nil && !*sp.FitsWindow {
			status += ", after the window"
		}
		fmt.Fprintf(w, "\n%s %s %s — %s %s\n", mark, s.Bold(fmt.Sprintf("[%d/%d]", i+1, len(pv.Steps))), s.Bold(sp.ID), sp.Title, s.Dim("("+status+")"))
		if sp.Status == plan.PreviewDone {
			continue
		}
		for _, a := range sp.Actions {
			renderActionPreview(w, a, s)
		}
		if sp.Manual != "" {
			fmt.Fprintf(w, "    %s %s\n", s.Yellow("manual:"), firstLine(sp.Manual))
		}
		for _, g := range sp.Gates {
			fmt.Fprintf(w, "    gate %s\n", g)
		}
		if sp.Wait != "" {
			fmt.Fprintf(w, "    wait %s\n", sp.Wait)
		}
	}
	if pv.Destructive {
		fmt.Fprintf(w, "\n%s some remaining steps are destructive: apply asks for confirmation, or needs --yes when not on a terminal\n", s.Red("!"))
	}
}

func renderActionPreview(w io.Writer, a plan.ActionPreview, s progress.Style) {
	mark := "~"
	switch a.Status {
	case plan.PreviewDone:
		mark = s.Green("=")
	case plan.PreviewUnknown:
		mark = s.Red("?")
	}
	label := a.Label
	if a.Destructive {
		label += " " + s.Red("(destructive)")
	}
	fmt.Fprintf(w, "    %s %s: %s\n", mark, a.Kind, label)
	if a.Error != "" {
		fmt.Fprintf(w, "        %s %s\n", s.Red("cannot check:"), a.Error)
	}
	if a.Status == plan.PreviewDone || a.Change == nil {
		switch {
		case a.Detail != "" && a.Status != plan.PreviewDone:
			fmt.Fprintf(w, "        %s\n", a.Detail)
		case a.Detail != "":
			// What a done check found (e.g. writeCapacity's per-zone
			// arithmetic) is worth reading before the step's next action.
			fmt.Fprintf(w, "        %s\n", s.Dim(a.Detail))
		}
		return
	}
	if a.Change.Summary != "" {
		fmt.Fprintf(w, "        %s\n", a.Change.Summary)
	}
	if a.Change.Diff != "" {
		fmt.Fprintf(w, "%s\n", indent(a.Change.Diff, "        "))
	}
	for _, d := range a.Change.Deletes {
		fmt.Fprintf(w, "        %s %s\n", s.Red("- delete"), d)
	}
	for _, warn := range a.Change.Warnings {
		fmt.Fprintf(w, "        %s %s\n", s.Red("warning:"), warn)
	}
}
