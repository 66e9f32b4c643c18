package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
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

// runFlags are the flags shared by plan, apply and resume.
type runFlags struct {
	params []string
	bind   BindOptions
}

func (r *runFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&r.params, "param", "p", nil, "plan parameter as name=value (repeatable; lists are comma-separated)")
	fs.StringVar(&r.bind.Env, "env", "", "Tanka environment directory holding main.jsonnet (for plans with jsonnet actions)")
	fs.StringVar(&r.bind.ApplyMode, "apply-mode", mimirctl.DefaultApplyMode, "direct: mimirctl applies rendered objects; external: write the overlay file and wait for your pipeline to apply it")
	fs.BoolVar(&r.bind.DeletePVCs, "delete-pvcs", false, "allow steps to delete PersistentVolumeClaims they list (never done otherwise)")
	fs.BoolVar(&r.bind.ForceConflicts, "force-conflicts", false, "take over fields another field manager owns when applying")
	fs.BoolVar(&r.bind.ForceFlush, "force-flush", false, "flush ingester heads with /ingester/flush instead of waiting for the next head compaction")
	fs.DurationVar(&r.bind.RolloutTimeout, "rollout-timeout", mimirctl.DefaultRolloutTimeout, "how long a rollout may take before the step fails")
	fs.DurationVar(&r.bind.ExternalTimeout, "external-timeout", mimirctl.DefaultExternalTimeout, "with --apply-mode=external, how long to wait for the cluster to match")
	registerPrometheus(fs, &r.bind.Prometheus)
}

// validate checks the run flags and makes their paths absolute
// (mimirctl.BindOptions.Validate).
func (r *runFlags) validate() error { return r.bind.Validate() }

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
