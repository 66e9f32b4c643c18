package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/promgate"
)

// registerPrometheus binds the connection options of PromQL gates.
func registerPrometheus(fs *pflag.FlagSet, c *promgate.Connection) {
	fs.StringVar(&c.URL, "prometheus-url", "", "Prometheus or Mimir query address for PromQL gates (Mimir: include the /prometheus prefix)")
	fs.StringVar(&c.Tenant, "prometheus-tenant", "", "tenant sent as X-Scope-OrgID to a Mimir query endpoint")
	fs.StringVar(&c.BasicAuthUser, "prometheus-user", "", "basic-auth user for the query endpoint")
	fs.StringVar(&c.BasicAuthPasswordFile, "prometheus-password-file", "", "file holding the basic-auth password")
	fs.StringVar(&c.BearerTokenFile, "prometheus-bearer-token-file", "", "file holding a bearer token")
	fs.StringVar(&c.CAFile, "prometheus-ca-file", "", "CA bundle to verify the query endpoint")
	fs.StringVar(&c.CertFile, "prometheus-cert-file", "", "client certificate for mTLS")
	fs.StringVar(&c.KeyFile, "prometheus-key-file", "", "client key for mTLS")
	fs.StringVar(&c.ServerName, "prometheus-server-name", "", "TLS server name to verify")
	fs.BoolVar(&c.InsecureSkipVerify, "prometheus-insecure-skip-verify", false, "do not verify the query endpoint's certificate")
	fs.Var((*durationFlag)(&c.Timeout), "prometheus-timeout", "timeout of each query")
}

// durationFlag binds a duration.Duration as a flag.
type durationFlag duration.Duration

// String shows the effective value: promgate's default while unset.
func (d *durationFlag) String() string {
	if *d == 0 {
		return promgate.DefaultTimeout.String()
	}
	return duration.Duration(*d).String()
}
func (d *durationFlag) Type() string { return "duration" }
func (d *durationFlag) Set(s string) error {
	v, err := duration.Parse(s)
	if err != nil {
		return err
	}
	*d = durationFlag(v)
	return nil
}

// BindFlags are the flags of the commands that bind a plan to the cluster
// (plan, apply, resume, ingester shutdown-zone): the plan parameters and
// the binding options.
type BindFlags struct {
	// Params are the plan parameters: --param/-p name=value (repeatable),
	// parsed by complete; nil until then.
	Params map[string]string
	// Bind are the binding options: --env (or --chart, --release and
	// -f/--values), --apply-mode (default direct),
	// --delete-pvcs, --force-conflicts, --force-flush, --rollout-timeout
	// (default 30m), --external-timeout (default 2h) and --prometheus-*.
	Bind BindOptions

	params []string // --param as typed
	habits helmHabits
}

func (b *BindFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&b.params, "param", "p", nil, "plan parameter as name=value (repeatable, the last of a name wins, as helm's --set; lists are comma-separated)")
	fs.StringVar(&b.Bind.Env, "env", "", "Tanka environment directory holding main.jsonnet (for plans with jsonnet actions)")
	fs.StringVar(&b.Bind.Helm.Chart, "chart", "", "Helm chart directory or .tgz of the release, instead of --env (for plans with helmValues actions)")
	fs.StringVar(&b.Bind.Helm.Release, "release", "", "Helm release name (with --chart; its namespace is -n)")
	fs.StringArrayVarP(&b.Bind.Helm.Values, "values", "f", nil, "Helm values file of the release, in helm's -f order (repeatable; with --chart); mimirctl-values.yaml goes beside the last one")
	fs.StringVar(&b.Bind.ApplyMode, "apply-mode", mimirctl.DefaultApplyMode, "direct: mimirctl applies rendered objects (a Helm release: helm upgrade through Helm's SDK); external: write the overlay file and wait for your pipeline to apply it")
	fs.BoolVar(&b.Bind.DeletePVCs, "delete-pvcs", false, "allow steps to delete PersistentVolumeClaims they list (never done otherwise)")
	fs.BoolVar(&b.Bind.ForceConflicts, "force-conflicts", false, "take over fields another field manager owns when applying")
	fs.BoolVar(&b.Bind.ForceFlush, "force-flush", false, "flush ingester heads with /ingester/flush instead of waiting for the next head compaction")
	fs.DurationVar(&b.Bind.RolloutTimeout, "rollout-timeout", mimirctl.DefaultRolloutTimeout, "how long a rollout may take before the step fails")
	fs.DurationVar(&b.Bind.ExternalTimeout, "external-timeout", mimirctl.DefaultExternalTimeout, "with --apply-mode=external, how long to wait for the cluster to match")
	registerPrometheus(fs, &b.Bind.Prometheus)
	b.habits.add(fs)
}

// complete parses the --param flags into Params; an error names the one
// not written as name=value, or a Helm flag mimirctl does not take.
func (b *BindFlags) complete() error {
	if err := b.habits.check(); err != nil {
		return err
	}
	raw, err := parseParams(b.params)
	if err != nil {
		return err
	}
	b.Params = raw
	return nil
}

// WindowFlags are --until and --window: the end of a maintenance window,
// as typed. Their help differs between plan and apply, so each command
// registers them itself.
type WindowFlags struct {
	// Until is --until as typed: RFC 3339, "YYYY-MM-DD HH:MM" or "HH:MM"
	// (the next such time, local); "" for none.
	Until string
	// Window is --window, the window's length from now; 0 for none.
	Window time.Duration
}

// validate checks the syntax of --until; whether the window already ended
// depends on the clock and is end's to say.
func (w WindowFlags) validate() error {
	if w.Until == "" {
		return nil
	}
	_, err := parseUntil(w.Until, time.Time{})
	return err
}

// end is the end of the window at now (zero for no window): the earlier
// of --until and now + --window. It fails when that end is not after now.
func (w WindowFlags) end(now time.Time) (time.Time, error) {
	return windowEnd(w.Until, w.Window, now)
}

// ApplyFlags are the flags of the commands that run a plan (apply, resume,
// ingester shutdown-zone).
type ApplyFlags struct {
	BindFlags
	// WindowFlags are --until and --window.
	WindowFlags
	// Yes is --yes/-y: destructive steps confirmed in advance.
	Yes bool
	// AllowPlanChange is --allow-plan-change.
	AllowPlanChange bool
	// ForceUnlock is --force-unlock: the lock ID of a run that is gone.
	ForceUnlock string
}

func (a *ApplyFlags) register(cmd *cobra.Command) {
	a.BindFlags.register(cmd.Flags())
	cmd.Flags().BoolVarP(&a.Yes, "yes", "y", false, "confirm destructive steps in advance (required when stdin is not a terminal)")
	cmd.Flags().StringVar(&a.Until, "until", "", "end of the maintenance window (06:00, \"2026-11-24 06:00\", RFC 3339): a step that does not fit is not started")
	cmd.Flags().DurationVar(&a.Window, "window", 0, "length of the maintenance window from now (e.g. 4h)")
	cmd.Flags().BoolVar(&a.AllowPlanChange, "allow-plan-change", false, "continue a run although its plan (steps or parameters) changed")
	cmd.Flags().StringVar(&a.ForceUnlock, "force-unlock", "", "free the lock left by a run that is gone, given its lock `ID` ("+invocation.Command("status")+" shows it)")
}

// validate checks the binding options, making their paths absolute
// (mimirctl.BindOptions.Validate), then the syntax of --until.
func (a *ApplyFlags) validate() error {
	if err := a.Bind.Validate(); err != nil {
		return err
	}
	return a.WindowFlags.validate()
}

// runOptions are the executor's options of a run started at now.
func (a *ApplyFlags) runOptions(now time.Time) (plan.ApplyOptions, error) {
	end, err := a.end(now)
	if err != nil {
		return plan.ApplyOptions{}, err
	}
	return plan.ApplyOptions{Yes: a.Yes, Until: end, AllowPlanChange: a.AllowPlanChange, ForceUnlock: a.ForceUnlock}, nil
}

// parseUntil reads --until: RFC 3339, "YYYY-MM-DD HH:MM", or "HH:MM" (the
// next such time, local).
func parseUntil(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, now.Location()); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("15:04", s, now.Location()); err == nil {
		at := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, now.Location())
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at, nil
	}
	return time.Time{}, fmt.Errorf("--until %q: write a time like 06:00, \"2026-11-24 06:00\" or 2026-11-24T06:00:00Z", s)
}

// windowEnd combines --until and --window into the end of the window.
func windowEnd(until string, window time.Duration, now time.Time) (time.Time, error) {
	var end time.Time
	if until != "" {
		t, err := parseUntil(until, now)
		if err != nil {
			return time.Time{}, err
		}
		end = t
	}
	if window > 0 {
		w := now.Add(window)
		if end.IsZero() || w.Before(end) {
			end = w
		}
	}
	if !end.IsZero() && !end.After(now) {
		return time.Time{}, fmt.Errorf("the maintenance window already ended at %s", end.Format(time.RFC3339))
	}
	return end, nil
}
