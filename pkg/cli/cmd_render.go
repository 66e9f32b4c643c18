package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// RenderOptions are the parsed command line of `mimirctl render --env
// DIR` or `mimirctl render --chart CHART --release NAME -f ...`.
type RenderOptions struct {
	// Factory is where the command runs (streams, output format).
	Factory *Factory
	// Env is --env, the Tanka environment directory (required).
	Env string
	// WithoutOverlay is --without-overlay: render with an empty overlay
	// file instead of the one on disk.
	WithoutOverlay bool
	// AsApplied is --as-applied: add the labels mimirctl's apply sets.
	AsApplied bool
	// HelmFlags name a Helm environment instead of Env.
	HelmFlags
}

// NewCmdRender builds `mimirctl render --env DIR`. runF runs the parsed
// command (runRender when nil); parse-layer tests pass their own to
// capture opts.
func NewCmdRender(f *Factory, runF func(ctx context.Context, opts *RenderOptions) error) *cobra.Command {
	opts := &RenderOptions{Factory: f}
	if runF == nil {
		runF = runRender
	}
	cmd := &cobra.Command{
		Use:   "render (--env DIR | --chart CHART --release NAME [-f values.yaml]...)",
		Short: "Print the objects a Tanka environment or a Helm release renders, with or without mimirctl's overlay",
		Long: `Print the Kubernetes objects the environment renders, in Tanka's install order, as YAML documents
(like tk show), or as a JSON array with -o json. This is what your pipeline receives from the environment
as it stands: main.jsonnet with the overlay file mimirctl.libsonnet that plan steps write.

--without-overlay renders the environment with an empty overlay instead of the file on disk: the objects
without any of a plan's changes. --as-applied adds the labels mimirctl's own apply sets
(app.kubernetes.io/managed-by, mimirctl.dev/environment), as apply and diff send them.

With --chart, the environment is a Helm release, rendered in-process as helm template renders it: the
chart (a directory or .tgz, its subcharts in charts/), --release, the namespace (--namespace or the
kubeconfig context's), the values files in -f order, and last the overlay mimirctl-values.yaml that plan
steps write: the last -f file when it has that name, otherwise that file beside the last -f file.
Hooks (the chart's helm test Job among them) are not printed: the output is what an install or upgrade
applies, which helm template prints before the hooks. --kube-version and --api-versions are the capabilities the
templates see (default: the Kubernetes version mimirctl is built for and Helm's default API versions).
Nothing is read from or written to the cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check("render", opts.Env); err != nil {
				return err
			}
			if opts.Chart != "" && opts.AsApplied {
				return flagError("--as-applied is for Tanka environments: a Helm release's objects are applied by Helm, with Helm's labels")
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Env, "env", "", "Tanka environment directory")
	cmd.Flags().BoolVar(&opts.WithoutOverlay, "without-overlay", false, "render with an empty overlay ("+tanka.OverlayFile+", or "+helmenv.OverlayFile+" with --chart) instead of the file on disk")
	cmd.Flags().BoolVar(&opts.AsApplied, "as-applied", false, "add the labels mimirctl's apply sets on every object")
	opts.add(cmd.Flags(), false)
	return cmd
}

// runRender renders the environment through the library
// (mimirctl.Render) and prints its objects: YAML documents, or a JSON
// array with -o json. It reads no cluster.
func runRender(ctx context.Context, opts *RenderOptions) error {
	f := opts.Factory
	ro := mimirctl.RenderOptions{Env: opts.Env, WithoutOverlay: opts.WithoutOverlay, AsApplied: opts.AsApplied}
	if opts.Chart != "" {
		ns, err := f.Kube.ContextNamespace()
		if err != nil {
			return err
		}
		ro.Helm = opts.options(ns)
	}
	objs, err := mimirctl.Render(ctx, ro)
	if err != nil {
		return err
	}
	if f.Output == "json" {
		list := make([]map[string]any, len(objs))
		for i, o := range objs {
			list[i] = o.Object
		}
		return writeJSON(f.IO.Out, list)
	}
	return writeYAMLDocuments(f.IO.Out, objs)
}

// writeYAMLDocuments writes objects as YAML documents separated by "---",
// keys sorted, as tk show prints them.
func writeYAMLDocuments(w io.Writer, objs []*unstructured.Unstructured) error {
	for i, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
