package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
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
			path, err := ringcheck.PathFor(args[0])
			if err != nil {
				return err
			}
			sel := podaccess.Selector{Labels: pods}
			if sel.Labels == "" {
				sel.Labels = mimir.RingPodSelector(args[0])
			}
			c, err := f.Clients()
			if err != nil {
				return err
			}
			doer, err := f.Pods()
			if err != nil {
				return err
			}
			deps := gate.Deps{Kube: c.Kube, Namespace: c.Namespace, Pods: doer, Now: f.Clock.Now}
			ring, from, err := ringcheck.ReadRing(cmd.Context(), deps, sel, path)
			if err != nil {
				return fmt.Errorf("%w; choose the pods that serve the ring with --pods", err)
			}
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
			res, err := ringcheck.Forget(cmd.Context(), doer, from, path, forget, ringcheck.ForgetOptions{Force: force, Now: f.Clock.Now()})
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "forgot %s (was %s); gone from the page: %v\n", forget, res.Before.Describe(f.Clock.Now()), res.Gone)
			return nil
		},
	}
	cmd.Flags().StringVar(&pods, "pods", "", "label selector of the pods to read the ring from (default depends on the ring)")
	cmd.Flags().StringVar(&forget, "forget", "", "remove this instance ID from the ring (explicit, confirmed)")
	cmd.Flags().BoolVar(&force, "force", false, "with --forget: also forget a member that still heartbeats")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "with --forget: do not ask for confirmation")
	return cmd
}
