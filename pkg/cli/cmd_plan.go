package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

func newPlanCmd(f *Factory) *cobra.Command {
	var (
		run      runFlags
		detailed bool
		until    string
		window   time.Duration
	)
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
			raw, err := parseParams(run.params)
			if err != nil {
				return err
			}
			end, err := windowEnd(until, window, f.Clock.Now())
			if err != nil {
				return err
			}
			return f.previewPlan(cmd.Context(), args[0], raw, &run, detailed, end)
		},
	}
	run.register(cmd.Flags())
	cmd.Flags().StringVar(&until, "until", "", "end of a maintenance window (as for apply): show which remaining steps could start before it")
	cmd.Flags().DurationVar(&window, "window", 0, "length of a maintenance window from now (e.g. 4h), as for apply")
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when steps remain (changes pending), 0 when none")
	return cmd
}

// previewPlan shows the remaining steps of a plan and what they change.
func (f *Factory) previewPlan(ctx context.Context, name string, raw map[string]string, run *runFlags, detailed bool, until time.Time) error {
	pv, err := mimirctl.Plan(ctx, &f.Target, mimirctl.PlanOptions{Plan: name, Params: raw, Bind: run.bind, Until: until})
	if err != nil {
		return err
	}
	if f.Output == "json" {
		err = writeJSON(f.IO.Out, pv)
	} else {
		renderPreview(f.IO.Out, pv, style{on: f.IO.OutTTY})
	}
	if err == nil && detailed && pv.Remaining > 0 {
		return ErrChangesPending
	}
	return err
}

func renderPreview(w io.Writer, pv *plan.PlanPreview, s style) {
	fmt.Fprintf(w, "%s %s (digest %s): %d of %d steps remaining\n", s.bold("Plan"), pv.Plan, pv.Digest, pv.Remaining, len(pv.Steps))
	if pv.RunID != "" {
		fmt.Fprintf(w, "Run %s is %s\n", pv.RunID, pv.RunStatus)
	}
	for _, n := range pv.Notices {
		fmt.Fprintf(w, "%s %s\n", s.yellow("!"), n)
	}
	if pv.PreflightError != "" {
		fmt.Fprintf(w, "%s an apply would not start now: %s\n", s.red("✗"), pv.PreflightError)
	}
	if pv.Position != "" {
		fmt.Fprintf(w, "%s %s\n", s.dim("»"), pv.Position)
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
		mark := s.yellow("•")
		if sp.Status == plan.PreviewDone {
			mark = s.green("✓")
		}
		status := sp.Status
		if sp.LeastDuration != "" {
			status += ", at least " + sp.LeastDuration
		}
		if sp.FitsWindow != nil && !*sp.FitsWindow {
			status += ", after the window"
		}
		fmt.Fprintf(w, "\n%s %s %s — %s %s\n", mark, s.bold(fmt.Sprintf("[%d/%d]", i+1, len(pv.Steps))), s.bold(sp.ID), sp.Title, s.dim("("+status+")"))
		if sp.Status == plan.PreviewDone {
			continue
		}
		for _, a := range sp.Actions {
			renderActionPreview(w, a, s)
		}
		if sp.Manual != "" {
			fmt.Fprintf(w, "    %s %s\n", s.yellow("manual:"), firstLine(sp.Manual))
		}
		for _, g := range sp.Gates {
			fmt.Fprintf(w, "    gate %s\n", g)
		}
		if sp.Wait != "" {
			fmt.Fprintf(w, "    wait %s\n", sp.Wait)
		}
	}
	if pv.Destructive {
		fmt.Fprintf(w, "\n%s some remaining steps are destructive: apply asks for confirmation, or needs --yes when not on a terminal\n", s.red("!"))
	}
}

func renderActionPreview(w io.Writer, a plan.ActionPreview, s style) {
	mark := "~"
	switch a.Status {
	case plan.PreviewDone:
		mark = s.green("=")
	case plan.PreviewUnknown:
		mark = s.red("?")
	}
	label := a.Label
	if a.Destructive {
		label += " " + s.red("(destructive)")
	}
	fmt.Fprintf(w, "    %s %s: %s\n", mark, a.Kind, label)
	if a.Error != "" {
		fmt.Fprintf(w, "        %s %s\n", s.red("cannot check:"), a.Error)
	}
	if a.Status == plan.PreviewDone || a.Change == nil {
		switch {
		case a.Detail != "" && a.Status != plan.PreviewDone:
			fmt.Fprintf(w, "        %s\n", a.Detail)
		case a.Detail != "":
			// What a done check found (e.g. writeCapacity's per-zone
			// arithmetic) is worth reading before the step's next action.
			fmt.Fprintf(w, "        %s\n", s.dim(a.Detail))
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
		fmt.Fprintf(w, "        %s %s\n", s.red("- delete"), d)
	}
	for _, warn := range a.Change.Warnings {
		fmt.Fprintf(w, "        %s %s\n", s.red("warning:"), warn)
	}
}
