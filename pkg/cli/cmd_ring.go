package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
)

func newRingCmd(f *Factory) *cobra.Command {
	var (
		pods   string
		forget string
		force  bool
		yes    bool
	)
	cmd := &cobra.Command{
		Use:   "ring NAME",
		Short: "Show a Mimir ring by zone (or as JSON); forget an instance only when asked",
		Long: fmt.Sprintf(`Show the members of a ring, grouped by zone, with their state and heartbeat age.
Rings: %s.
--forget ID removes one instance from the ring (the ring page's Forget button). It is never done
implicitly, asks for confirmation on a terminal and needs --yes otherwise.`, strings.Join(mimir.RingNames(), ", ")),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := mimirctl.Ring(cmd.Context(), &f.Target, mimirctl.RingOptions{Name: args[0], Pods: pods})
			if err != nil {
				return err
			}
			ring, from := res.Ring, res.From
			if forget == "" {
				format := ringcheck.FormatTable
				if f.Output == "json" {
					format = ringcheck.FormatJSON
				}
				return ringcheck.Render(f.IO.Out, ring, format, f.Clock.Now())
			}
			if !yes {
				if !f.IO.InTTY {
					return flagError("forgetting %s from the %s ring needs --yes when not on a terminal", forget, args[0])
				}
				ok, err := (&ttyConfirmer{io: f.IO}).Confirm(cmd.Context(), fmt.Sprintf("Forget %s from the %s ring (read from %s)?", forget, args[0], from.Name))
				if err != nil || !ok {
					return fmt.Errorf("not confirmed: %s stays in the ring", forget)
				}
			}
			gone, err := mimirctl.Forget(cmd.Context(), &f.Target, mimirctl.ForgetOptions{Ring: res, Instance: forget, Force: force})
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "forgot %s (was %s); gone from the page: %v\n", forget, gone.Before.Describe(f.Clock.Now()), gone.Gone)
			return nil
		},
	}
	cmd.Flags().StringVar(&pods, "pods", "", "label selector of the pods to read the ring from (default depends on the ring)")
	cmd.Flags().StringVar(&forget, "forget", "", "remove this instance ID from the ring (explicit, confirmed)")
	cmd.Flags().BoolVar(&force, "force", false, "with --forget: also forget a member that still heartbeats")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "with --forget: do not ask for confirmation")
	return cmd
}
