package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

func newPlansCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plans",
		Short: "List and describe the built-in plans",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the built-in plans",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return plansList(f) },
	})
	var params []string
	show := &cobra.Command{
		Use:   "show PLAN",
		Short: "Show a plan's steps, actions, gates, waits, undo hints and doc references",
		Long: `Show a plan's steps, actions, gates, waits, undo hints and doc references. Required parameters
not given with -p are shown as <required>, and as <NAME> where the steps use them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			raw, err := parseParams(params)
			if err != nil {
				return err
			}
			p, err := f.LoadPlanWith(args[0], plan.LoadOptions{Params: raw, Unbound: true})
			if err != nil {
				return err
			}
			if f.Output == "json" {
				return writeJSON(f.IO.Out, p)
			}
			renderPlan(f.IO.Out, p, style{on: f.IO.OutTTY})
			return nil
		},
	}
	show.Flags().StringArrayVarP(&params, "param", "p", nil, "plan parameter as name=value")
	cmd.AddCommand(show)
	return cmd
}

type planSummary struct {
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	MimirVersions string   `json:"mimirVersions,omitempty"`
	Required      []string `json:"requiredParameters,omitempty"`
}

// required lists the parameters without a default.
func required(p *plan.Plan) []string {
	var out []string
	for _, prm := range p.Parameters {
		if prm.Default == nil {
			out = append(out, prm.Name)
		}
	}
	return out
}

func plansList(f *Factory) error {
	names, err := f.BuiltinNames()
	if err != nil {
		return err
	}
	var out []planSummary
	for _, n := range names {
		p, err := plan.Load(f.BuiltinPlans, n, plan.LoadOptions{Registry: f.Registry(), MetadataOnly: true})
		if err != nil {
			return fmt.Errorf("built-in plan %s: %w", n, err)
		}
		out = append(out, planSummary{Name: p.Name, Description: firstLine(p.Description), MimirVersions: p.MimirVersions, Required: required(p)})
	}
	if f.Output == "json" {
		return writeJSON(f.IO.Out, out)
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMIMIR\tREQUIRES\tDESCRIPTION")
	for _, p := range out {
		v := p.MimirVersions
		if v == "" {
			v = "any"
		}
		req := "-"
		if len(p.Required) > 0 {
			req = "-p " + strings.Join(p.Required, "=… -p ") + "=…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, v, req, p.Description)
	}
	return tw.Flush()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// renderPlan writes a plan for people: what it is for, its parameters, and
// every step with its actions, gates, waits, manual instructions and undo.
func renderPlan(w io.Writer, p *plan.Plan, s style) {
	fmt.Fprintf(w, "%s %s\n", s.bold("Plan"), p.Name)
	if p.Description != "" {
		fmt.Fprintf(w, "%s\n", indent(p.Description, "  "))
	}
	if p.MimirVersions != "" {
		fmt.Fprintf(w, "\nMimir versions: %s", p.MimirVersions)
		if p.VersionReason != "" {
			fmt.Fprintf(w, " (%s)", p.VersionReason)
		}
		fmt.Fprintln(w)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "%s %s\n", s.yellow("Note:"), n)
	}
	renderDocs(w, p.Docs, "")
	if len(p.Parameters) > 0 {
		fmt.Fprintf(w, "\n%s\n", s.bold("Parameters"))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, prm := range p.Parameters {
			fmt.Fprintf(tw, "  %s\t%s\t= %v\t%s\n", prm.Name, prm.Type, shownValue(p, prm.Name), prm.Description)
		}
		_ = tw.Flush()
	}
	for _, g := range p.Preflight {
		fmt.Fprintf(w, "\n%s %s: %s\n", s.bold("Preflight"), g.Name, g.Spec.Describe())
	}
	for i, st := range p.Steps {
		renderStep(w, i+1, len(p.Steps), st, s)
	}
}

// shownValue is a parameter's value, or <required> when the plan is shown
// without it.
func shownValue(p *plan.Plan, name string) any {
	for _, u := range p.Unbound {
		if u == name {
			return "<required>"
		}
	}
	return p.Values[name]
}

func renderStep(w io.Writer, n, total int, st *plan.Step, s style) {
	fmt.Fprintf(w, "\n%s %s — %s\n", s.bold(fmt.Sprintf("[%d/%d]", n, total)), s.bold(st.ID), st.Title)
	if st.Why != "" {
		fmt.Fprintf(w, "%s\n", indent(st.Why, "    "))
	}
	for _, a := range st.Actions {
		mark := "action"
		if a.IsDestructive() {
			mark = s.red("action (destructive)")
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, a.Kind, a.Label())
		if a.Label() != a.Spec.Describe() {
			fmt.Fprintf(w, "      %s\n", a.Spec.Describe())
		}
	}
	if st.Manual != nil {
		fmt.Fprintf(w, "  %s %s\n", s.yellow("manual:"), indent(st.Manual.Instructions, "      ")[6:])
	}
	for _, g := range st.Gates {
		fmt.Fprintf(w, "  gate %s: %s %s\n", g.Name, g.Spec.Describe(),
			s.dim(fmt.Sprintf("(every %s, timeout %s, %d in a row)", g.Policy.Interval, g.Policy.Timeout, g.Policy.Consecutive)))
	}
	if st.Wait != nil {
		fmt.Fprintf(w, "  wait %s", st.Wait.Duration)
		if st.Wait.Reason != "" {
			fmt.Fprintf(w, ": %s", st.Wait.Reason)
		}
		fmt.Fprintln(w)
	}
	if st.MinDuration > 0 {
		fmt.Fprintf(w, "  takes at least %s\n", st.MinDuration)
	}
	if st.Undo != "" {
		fmt.Fprintf(w, "  undo: %s\n", indent(st.Undo, "        ")[8:])
	}
	renderDocs(w, st.Docs, "  ")
}

func renderDocs(w io.Writer, docs []plan.DocRef, prefix string) {
	for _, d := range docs {
		ref := d.Title
		if d.Section != "" {
			ref += ", " + d.Section
		}
		if d.URL != "" {
			ref += " <" + d.URL + ">"
		}
		fmt.Fprintf(w, "%sdoc: %s\n", prefix, ref)
	}
}
