package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/invocation"
)

// NewCmdIngester builds `mimirctl ingester`, the group of ingester
// procedures usable outside any migration; it runs nothing itself.
func NewCmdIngester(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingester",
		Short: "Ingester procedures usable outside any migration",
	}
	cmd.AddCommand(NewCmdIngesterShutdownZone(f, nil))
	return cmd
}

// shutdownZonePlan is the built-in plan `ingester shutdown-zone` runs.
const shutdownZonePlan = "ingester-zone-shutdown"

// ShutdownZoneOptions are the parsed command line of `mimirctl ingester
// shutdown-zone ZONE`.
type ShutdownZoneOptions struct {
	// Factory is where the command runs (target, streams, output format).
	Factory *Factory
	// Zone is the zone to shut down (the argument).
	Zone string
	// StatefulSet is --statefulset ("": the plan's default, ingester-ZONE).
	StatefulSet string
	// TankaField is --tanka-field, the environment's field of the
	// StatefulSet ("": none).
	TankaField string
	// Preview is --plan: show what would happen, change nothing.
	Preview bool
	// DetailedExitCode is --detailed-exitcode: with Preview, exit 2 when
	// the zone is not down yet.
	DetailedExitCode bool
	// ApplyFlags are as for apply. Params holds the --param values and,
	// over them, the plan's zone, statefulSet and tankaField parameters
	// from the argument and flags above. Without Preview the binding
	// options are validated (paths made absolute), as apply does.
	ApplyFlags
}

// NewCmdIngesterShutdownZone builds `mimirctl ingester shutdown-zone
// ZONE`. runF runs the parsed command (runShutdownZone when nil);
// parse-layer tests pass their own to capture opts.
func NewCmdIngesterShutdownZone(f *Factory, runF func(ctx context.Context, opts *ShutdownZoneOptions) error) *cobra.Command {
	opts := &ShutdownZoneOptions{Factory: f}
	if runF == nil {
		runF = runShutdownZone
	}
	cmd := &cobra.Command{
		Use:   "shutdown-zone ZONE",
		Short: "Shut one ingester zone down without losing data (the ingester-zone-shutdown plan)",
		Long: `Run the built-in plan ingester-zone-shutdown for ZONE: read-only mode where supported, flush and ship
every ingester, confirm nothing is left unshipped, scale the StatefulSet to 0, wait until the pods left the
ring, then wait until the shipped blocks are queryable before returning. With --plan, only show what
would happen (the path chosen for this Mimir version, the pods, the wait). The run is resumable like
any other (` + invocation.Command("resume") + `).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Zone = args[0]
			if err := opts.complete(); err != nil {
				return err
			}
			if err := opts.validate(); err != nil {
				return err
			}
			return runF(cmd.Context(), opts)
		},
	}
	opts.register(cmd)
	cmd.Flags().StringVar(&opts.StatefulSet, "statefulset", "", "the zone's StatefulSet (default ingester-ZONE)")
	cmd.Flags().StringVar(&opts.TankaField, "tanka-field", "", "with --env: the environment's field of the StatefulSet, whose replicas are set to 0 in mimirctl.libsonnet too")
	cmd.Flags().BoolVar(&opts.Preview, "plan", false, "show what would happen, change nothing")
	cmd.Flags().BoolVar(&opts.DetailedExitCode, "detailed-exitcode", false, "with --plan: exit 2 when the zone is not down yet")
	return cmd
}

// complete parses --param and sets the plan parameters the argument and
// flags give.
func (o *ShutdownZoneOptions) complete() error {
	if err := o.BindFlags.complete(); err != nil {
		return err
	}
	for _, p := range []struct{ param, what, value string }{
		{"zone", "the ZONE argument", o.Zone},
		{"statefulSet", "--statefulset", o.StatefulSet},
		{"tankaField", "--tanka-field", o.TankaField},
	} {
		if p.value == "" {
			continue
		}
		if given, ok := o.Params[p.param]; ok && given != p.value {
			return flagError("-p %s=%s contradicts %s (%s): give it once", p.param, given, p.what, p.value)
		}
		o.Params[p.param] = p.value
	}
	return nil
}

// validate checks --until and, for a run, the binding options (a preview
// leaves them to mimirctl.Plan, as `mimirctl plan` does).
func (o *ShutdownZoneOptions) validate() error {
	if o.Preview {
		return o.WindowFlags.validate()
	}
	return o.ApplyFlags.validate()
}

// runShutdownZone previews (--plan) or runs the built-in plan
// ingester-zone-shutdown, as `mimirctl plan` and `mimirctl apply` do.
func runShutdownZone(ctx context.Context, opts *ShutdownZoneOptions) error {
	if opts.Preview {
		return previewPlan(ctx, opts.Factory, shutdownZonePlan, &opts.BindFlags, opts.WindowFlags, opts.DetailedExitCode)
	}
	return applyPlan(ctx, opts.Factory, shutdownZonePlan, &opts.ApplyFlags)
}
