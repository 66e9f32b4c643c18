package cli

import (
	"github.com/spf13/cobra"
)

func newIngesterCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingester",
		Short: "Ingester procedures usable outside any migration",
	}
	var (
		a           applyFlags
		sts, field  string
		onlyPreview bool
		detailed    bool
	)
	shutdown := &cobra.Command{
		Use:   "shutdown-zone ZONE",
		Short: "Shut one ingester zone down without losing data (the ingester-zone-shutdown plan)",
		Long: `Run the built-in plan ingester-zone-shutdown for ZONE: read-only mode where supported, flush and ship
every ingester, confirm nothing is left unshipped, scale the StatefulSet to 0, wait until the pods left the
ring, then wait until the shipped blocks are queryable before returning. With --plan, only show what
would happen (the path chosen for this Mimir version, the pods, the wait). The run is resumable like
any other (mimirctl resume).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := parseParams(a.run.params)
			if err != nil {
				return err
			}
			raw["zone"] = args[0]
			if sts != "" {
				raw["statefulSet"] = sts
			}
			if field != "" {
				raw["tankaField"] = field
			}
			if onlyPreview {
				end, err := windowEnd(a.until, a.window, f.Clock.Now())
				if err != nil {
					return err
				}
				return f.previewPlan(cmd.Context(), "ingester-zone-shutdown", raw, &a.run, detailed, end)
			}
			return f.applyPlan(cmd.Context(), "ingester-zone-shutdown", raw, &a)
		},
	}
	a.register(shutdown)
	shutdown.Flags().StringVar(&sts, "statefulset", "", "the zone's StatefulSet (default ingester-ZONE)")
	shutdown.Flags().StringVar(&field, "tanka-field", "", "with --env: the environment's field of the StatefulSet, whose replicas are set to 0 in mimirctl.libsonnet too")
	shutdown.Flags().BoolVar(&onlyPreview, "plan", false, "show what would happen, change nothing")
	shutdown.Flags().BoolVar(&detailed, "detailed-exitcode", false, "with --plan: exit 2 when the zone is not down yet")
	cmd.AddCommand(shutdown)
	return cmd
}
