package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

func newRenderCmd(f *Factory) *cobra.Command {
	var (
		env            string
		withoutOverlay bool
		asApplied      bool
	)
	cmd := &cobra.Command{
		Use:   "render --env DIR",
		Short: "Print the objects a Tanka environment renders, with or without mimirctl.libsonnet",
		Long: `Print the Kubernetes objects the environment renders, in Tanka's install order, as YAML documents
(like tk show), or as a JSON array with -o json. This is what your pipeline receives from the environment
as it stands: main.jsonnet with the overlay file mimirctl.libsonnet that plan steps write.

--without-overlay renders the environment with an empty overlay instead of the file on disk: the objects
without any of a plan's changes. --as-applied adds the labels mimirctl's own apply sets
(app.kubernetes.io/managed-by, mimirctl.dev/environment), as apply and diff send them.
Nothing is read from or written to the cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env == "" {
				return flagError("render needs --env DIR (the directory of main.jsonnet)")
			}
			opts := tanka.Options{}
			if withoutOverlay {
				// The importer hands this empty overlay to every import of
				// the file, however main.jsonnet imports it.
				opts.Overlay = &tanka.Overlay{}
			}
			res, err := tanka.Load(cmd.Context(), env, opts)
			if err != nil {
				return err
			}
			objs := res.Objects
			if asApplied {
				if objs, _, err = envchange.AppliedObjects(res, false); err != nil {
					return err
				}
			}
			if f.Output == "json" {
				list := make([]map[string]any, len(objs))
				for i, o := range objs {
					list[i] = o.Object
				}
				return writeJSON(f.IO.Out, list)
			}
			return writeYAMLDocuments(f.IO.Out, objs)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "Tanka environment directory")
	cmd.Flags().BoolVar(&withoutOverlay, "without-overlay", false, "render with an empty "+tanka.OverlayFile+" instead of the file on disk")
	cmd.Flags().BoolVar(&asApplied, "as-applied", false, "add the labels mimirctl's apply sets on every object")
	return cmd
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
