package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

func newInitCmd(f *Factory) *cobra.Command {
	var env string
	cmd := &cobra.Command{
		Use:   "init --env DIR",
		Short: "Make a Tanka environment import mimirctl's generated overlay file",
		Long: `Append + (import 'mimirctl.libsonnet') to the environment's main.jsonnet and create an empty
mimirctl.libsonnet, after checking that the environment renders the same objects before and after.
Commit both files: plan steps then change only mimirctl.libsonnet, so a colleague's tk apply gives the
same result. Environments where the import cannot be added safely are refused with the reason.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env == "" {
				return flagError("init needs --env DIR (the directory of main.jsonnet)")
			}
			res, err := tanka.Init(cmd.Context(), env, tanka.Options{})
			if err != nil {
				return err
			}
			if f.Output == "json" {
				return writeJSON(f.IO.Out, res)
			}
			if res.Changed {
				fmt.Fprintf(f.IO.ErrOut, "%s now imports %s (renders the same objects); commit both files\n", res.Main, res.Overlay)
			} else {
				fmt.Fprintf(f.IO.ErrOut, "%s already imports %s\n", res.Main, res.Overlay)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "Tanka environment directory")
	return cmd
}

func newDiffCmd(f *Factory) *cobra.Command {
	var env, applyMode string
	cmd := &cobra.Command{
		Use:   "diff --env DIR",
		Short: "Compare what an apply of the environment would send (with mimirctl.libsonnet) with the live cluster",
		Long: `Show what an apply of the environment would change: the rendered objects with the labels mimirctl's
apply adds (none with --apply-mode=external, where your pipeline applies them), and the objects mimirctl
applied that the environment no longer renders. Exit code 2 when something differs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env == "" {
				return flagError("diff needs --env DIR")
			}
			if applyMode != "direct" && applyMode != "external" {
				return flagError("--apply-mode %q: want direct or external", applyMode)
			}
			d, err := mimirctl.Diff(cmd.Context(), &f.Target, mimirctl.DiffOptions{Env: env, ApplyMode: applyMode})
			if err != nil {
				return err
			}
			for _, w := range d.Kept {
				fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
			}
			r := d.Report
			return f.writeReport(r.Empty(), r, func() error { return r.WriteHuman(f.IO.Out, f.colorMode()) })
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "Tanka environment directory")
	cmd.Flags().StringVar(&applyMode, "apply-mode", "direct", "direct: compare with mimirctl's labels; external: as your pipeline applies the rendered objects")
	return cmd
}

func newCompareCmd(f *Factory) *cobra.Command {
	var env string
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Compare each microservice with the read-write component that takes over its work (.spec)",
		Long: `Compare the .spec of the workload pairs of the read-write migration doc (distributor vs
mimir-write-zone-a, ingester-zone-X vs mimir-write-zone-X, querier vs mimir-read, ...): live objects,
or the rendered environment with --env. Exit code 2 when a pair differs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := mimirctl.Compare(cmd.Context(), &f.Target, mimirctl.CompareOptions{Env: env})
			if err != nil {
				return err
			}
			return f.writeReport(!r.Differs(), r, func() error { return r.WriteHuman(f.IO.Out, f.colorMode()) })
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "compare the rendered environment instead of the live cluster")
	return cmd
}

// writeReport prints a report (JSON or human) and returns ErrChangesPending
// when it is not empty.
func (f *Factory) writeReport(empty bool, v any, human func() error) error {
	var err error
	if f.Output == "json" {
		err = writeJSON(f.IO.Out, v)
	} else {
		err = human()
	}
	if err == nil && !empty {
		return ErrChangesPending
	}
	return err
}

func (f *Factory) colorMode() diff.ColorMode {
	if f.IO.OutTTY {
		return diff.ColorAlways
	}
	return diff.ColorNever
}
