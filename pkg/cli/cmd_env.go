package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// InitOptions are the parsed command line of `mimirctl init --env DIR`.
type InitOptions struct {
	// Factory is where the command runs (streams, output format).
	Factory *Factory
	// Env is --env, the Tanka environment directory (required).
	Env string
}

// NewCmdInit builds `mimirctl init --env DIR`. runF runs the parsed
// command (runInit when nil); parse-layer tests pass their own to capture
// opts.
func NewCmdInit(f *Factory, runF func(ctx context.Context, opts *InitOptions) error) *cobra.Command {
	opts := &InitOptions{Factory: f}
	if runF == nil {
		runF = runInit
	}
	cmd := &cobra.Command{
		Use:   "init --env DIR",
		Short: "Make a Tanka environment import mimirctl's generated overlay file",
		Long: `Append + (import 'mimirctl.libsonnet') to the environment's main.jsonnet and create an empty
mimirctl.libsonnet, after checking that the environment renders the same objects before and after.
Commit both files: plan steps then change only mimirctl.libsonnet, so a colleague's tk apply gives the
same result. Environments where the import cannot be added safely are refused with the reason.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Env == "" {
				return flagError("init needs --env DIR (the directory of main.jsonnet)")
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Env, "env", "", "Tanka environment directory")
	return cmd
}

// runInit adds the overlay import to the environment through the library
// (mimirctl.Init) and says what it did on stderr, or prints
// tanka.InitResult with -o json. It reads no cluster.
func runInit(ctx context.Context, opts *InitOptions) error {
	f := opts.Factory
	res, err := mimirctl.Init(ctx, mimirctl.InitOptions{Env: opts.Env})
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
}

// DiffOptions are the parsed command line of `mimirctl diff --env DIR`
// or `mimirctl diff --chart CHART --release NAME -f ...`.
type DiffOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Env is --env, the Tanka environment directory (or HelmFlags).
	Env string
	// ApplyMode is --apply-mode: "direct" (default) or "external".
	ApplyMode string
	// HelmFlags name a Helm environment instead of Env.
	HelmFlags
}

// NewCmdDiff builds `mimirctl diff --env DIR`. runF runs the parsed
// command (runDiff when nil); parse-layer tests pass their own to capture
// opts.
func NewCmdDiff(f *Factory, runF func(ctx context.Context, opts *DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{Factory: f}
	if runF == nil {
		runF = runDiff
	}
	cmd := &cobra.Command{
		Use:   "diff (--env DIR | --chart CHART --release NAME [-f values.yaml]...)",
		Short: "Compare what an apply of the environment would send (with mimirctl's overlay) with the live cluster",
		Long: `Show what an apply of the environment would change: the rendered objects with the labels mimirctl's
apply adds (none with --apply-mode=external, where your pipeline applies them), and the objects mimirctl
applied that the environment no longer renders. Exit code 2 when something differs.

With --chart, the environment is a Helm release (see ` + invocation.Command("render", "--help") + ` for the flags) and the diff is
what helm upgrade of it would change: the chart rendered with the values files, the overlay
mimirctl-values.yaml last and the cluster's version and APIs as capabilities, compared with the live
objects (the fields Helm applied), and the objects of the release's current revision that it no longer
renders, which Helm deletes (those annotated helm.sh/resource-policy: keep are named on stderr instead).
The release's namespace is --namespace or the context's. --apply-mode changes nothing for a Helm release:
whoever upgrades it, Helm applies the same objects.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check("diff", opts.Env); err != nil {
				return err
			}
			if opts.ApplyMode != "direct" && opts.ApplyMode != "external" {
				return flagError("--apply-mode %q: want direct or external", opts.ApplyMode)
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Env, "env", "", "Tanka environment directory")
	cmd.Flags().StringVar(&opts.ApplyMode, "apply-mode", "direct", "direct: compare with mimirctl's labels; external: as your pipeline applies the rendered objects")
	opts.add(cmd.Flags(), true)
	return cmd
}

// runDiff compares the environment with the cluster through the library:
// warnings on stderr, the report on stdout, ErrChangesPending when
// something differs.
func runDiff(ctx context.Context, opts *DiffOptions) error {
	f := opts.Factory
	d, err := mimirctl.Diff(ctx, &f.Target, mimirctl.DiffOptions{Env: opts.Env, Helm: opts.options(""), ApplyMode: opts.ApplyMode})
	if err != nil {
		return err
	}
	for _, w := range d.Kept {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
	}
	r := d.Report
	return writeReport(f, r.Empty(), r, func() error { return r.WriteHuman(f.IO.Out, colorMode(f)) })
}

// CompareOptions are the parsed command line of `mimirctl compare`.
type CompareOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Env is --env: compare this rendered environment ("": the live
	// cluster).
	Env string
}

// NewCmdCompare builds `mimirctl compare`. runF runs the parsed command
// (runCompare when nil); parse-layer tests pass their own to capture
// opts.
func NewCmdCompare(f *Factory, runF func(ctx context.Context, opts *CompareOptions) error) *cobra.Command {
	opts := &CompareOptions{Factory: f}
	if runF == nil {
		runF = runCompare
	}
	// The Helm flags, hidden: a Helm user passing them is told why compare
	// does not take them, instead of "unknown flag".
	var helm HelmFlags
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Compare each microservice with the read-write component that takes over its work (.spec)",
		Long: `Compare the .spec of the workload pairs of the read-write migration doc (distributor vs
mimir-write-zone-a, ingester-zone-X vs mimir-write-zone-X, querier vs mimir-read, ...): live objects,
or the rendered environment with --env. Exit code 2 when a pair differs, 1 when no pair has both
workloads (nothing compared). Tanka environments and live clusters only: the mimir-distributed Helm
chart never had read-write mode, so a Helm release has no pairs (use diff --chart to compare a release
with the cluster).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if helm.Chart != "" || helm.Release != "" || len(helm.Values) > 0 || helm.habits.check() != nil {
				return flagError("compare --chart: compare pairs microservices with the read-write components that take over their work, and the mimir-distributed chart never had read-write mode, so a Helm release has none; diff --chart CHART --release NAME compares the release with the cluster")
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Env, "env", "", "compare the rendered environment instead of the live cluster")
	helm.add(cmd.Flags(), false)
	for _, name := range []string{"chart", "release", "values", "kube-version", "api-versions"} {
		_ = cmd.Flags().MarkHidden(name)
	}
	return cmd
}

// runCompare compares the pairs through the library and prints the
// report; ErrChangesPending when a pair differs.
func runCompare(ctx context.Context, opts *CompareOptions) error {
	f := opts.Factory
	r, err := mimirctl.Compare(ctx, &f.Target, mimirctl.CompareOptions{Env: opts.Env})
	if err != nil {
		return err
	}
	err = writeReport(f, !r.Differs(), r, func() error { return r.WriteHuman(f.IO.Out, colorMode(f)) })
	if err == nil && r.Compared() == 0 {
		// Nothing compared is no "no difference": a script must not read
		// exit 0 as "the pairs match".
		where := "the live namespace (-n, --context)"
		if opts.Env != "" {
			where = "environment " + opts.Env
		}
		return fmt.Errorf("compared no pair: none of the %d pairs has both workloads in %s; compare runs while both modes do (during a migration)", len(r.Results), where)
	}
	return err
}

// writeReport prints a report (JSON or human) and returns ErrChangesPending
// when it is not empty.
func writeReport(f *Factory, empty bool, v any, human func() error) error {
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

// colorMode colours diffs when stdout is a terminal.
func colorMode(f *Factory) diff.ColorMode {
	if f.IO.OutTTY {
		return diff.ColorAlways
	}
	return diff.ColorNever
}
