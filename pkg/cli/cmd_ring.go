package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
)

// RingOptions are the parsed command line of `mimirctl ring NAME`.
type RingOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Name is the ring's name or its page's path (the argument).
	Name string
	// Pods is --pods, the label selector of the pods to read the ring from
	// ("": the ring's default).
	Pods string
	// Forget is --forget, the instance ID to remove ("": show the ring).
	Forget string
	// Force is --force: with Forget, also a member that still heartbeats.
	Force bool
	// Yes is --yes/-y: with Forget, no confirmation asked.
	Yes bool
}

// NewCmdRing builds `mimirctl ring NAME`. runF runs the parsed command
// (runRing when nil); parse-layer tests pass their own to capture opts.
func NewCmdRing(f *Factory, runF func(ctx context.Context, opts *RingOptions) error) *cobra.Command {
	opts := &RingOptions{Factory: f}
	if runF == nil {
		runF = runRing
	}
	cmd := &cobra.Command{
		Use:   "ring NAME",
		Short: "Show a Mimir ring by zone (or as JSON); forget an instance only when asked",
		Long: fmt.Sprintf(`Show the members of a ring, grouped by zone, with their state and heartbeat age.
Rings: %s.
--forget ID removes one instance from the ring (the ring page's Forget button). It is never done
implicitly, asks for confirmation on a terminal and needs --yes otherwise.`, strings.Join(mimir.RingNames(), ", ")),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Pods, "pods", "", "label selector of the pods to read the ring from (default depends on the ring)")
	cmd.Flags().StringVar(&opts.Forget, "forget", "", "remove this instance ID from the ring (explicit, confirmed)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "with --forget: also forget a member that still heartbeats")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "with --forget: do not ask for confirmation")
	return cmd
}

// runRing reads the ring through the library and prints it (a table, or
// JSON with -o json); with Forget it confirms (on a terminal, unless Yes),
// forgets the instance and says so on stderr.
func runRing(ctx context.Context, opts *RingOptions) error {
	f := opts.Factory
	res, err := mimirctl.Ring(ctx, &f.Target, mimirctl.RingOptions{Name: opts.Name, Pods: opts.Pods})
	if err != nil {
		return err
	}
	if opts.Forget == "" {
		format := ringcheck.FormatTable
		if f.Output == "json" {
			format = ringcheck.FormatJSON
		}
		return ringcheck.Render(f.IO.Out, res.Ring, format, f.Clock.Now())
	}
	if !opts.Yes {
		if !f.IO.InTTY {
			return flagError("forgetting %s from the %s ring needs --yes when not on a terminal", opts.Forget, opts.Name)
		}
		ok, err := (&ttyConfirmer{io: f.IO}).Confirm(ctx, fmt.Sprintf("Forget %s from the %s ring (read from %s)?", opts.Forget, opts.Name, res.From.Name))
		if err != nil || !ok {
			return fmt.Errorf("not confirmed: %s stays in the ring", opts.Forget)
		}
	}
	gone, err := mimirctl.Forget(ctx, &f.Target, mimirctl.ForgetOptions{Ring: res, Instance: opts.Forget, Force: opts.Force})
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "forgot %s (was %s); gone from the page: %v\n", opts.Forget, gone.Before.Describe(f.Clock.Now()), gone.Gone)
	return nil
}
