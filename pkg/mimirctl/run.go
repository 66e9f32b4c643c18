package mimirctl

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/promgate"
)

// Validate checks the apply mode and, when an address is given, the
// Prometheus connection, before anything is recorded; it makes Env and the
// connection's file paths absolute, as they are recorded for resume, which
// may run from another directory. Errors name the CLI flag at fault.
func (b *BindOptions) Validate() error {
	switch b.ApplyMode {
	case "direct", "external":
	default:
		return fmt.Errorf("--apply-mode %q: want direct or external", b.ApplyMode)
	}
	if err := b.validateEnvironment(); err != nil {
		return err
	}
	return validatePrometheus(&b.Prometheus)
}

// validateEnvironment checks that at most one environment is named, a
// Helm one completely, and makes its paths absolute.
func (b *BindOptions) validateEnvironment() error {
	h := &b.Helm
	switch {
	case b.Env != "" && h.Chart != "":
		return errEnvAndChart
	case h.Chart == "" && (h.Release != "" || len(h.Values) > 0):
		return errors.New("--release and -f name a Helm release: give its chart too (--chart DIR or .tgz)")
	case h.Chart != "" && h.Release == "":
		return errors.New("--chart needs --release NAME (the Helm release's name)")
	}
	for _, p := range append([]*string{&b.Env, &h.Chart}, pointers(h.Values)...) {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("%s: %w", *p, err)
		}
		*p = abs
	}
	return nil
}

// pointers are pointers to the elements of s.
func pointers(s []string) []*string {
	out := make([]*string, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

// EnvironmentKind is the kind of environment b names: plan.EnvironmentHelm
// with a chart, plan.EnvironmentTanka with --env, "" with none.
func (b BindOptions) EnvironmentKind() string {
	switch {
	case b.Helm.Chart != "":
		return plan.EnvironmentHelm
	case b.Env != "":
		return plan.EnvironmentTanka
	}
	return ""
}

func validatePrometheus(c *promgate.Connection) error {
	if c.URL == "" {
		return nil
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("--prometheus-*: %w", err)
	}
	for _, p := range []*string{&c.BasicAuthPasswordFile, &c.BearerTokenFile, &c.CAFile, &c.CertFile, &c.KeyFile} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("--prometheus-*: %s: %w", *p, err)
		}
		*p = abs
	}
	return nil
}

// recordedOptions are the options a run records in its state for resume,
// keyed by CLI flag name: the environment (Helm's values files are
// recorded by Record, one path per line), the apply mode and every
// Prometheus connection setting that is not a secret. Secrets are only
// ever referenced by the file that holds them (password and bearer-token
// files); a URL with credentials in it is refused (promgate.Connection
// Validate), since the state is a ConfigMap anyone who reads the namespace
// sees.
func recordedOptions(b *BindOptions) map[string]*string {
	c := &b.Prometheus
	return map[string]*string{
		"env": &b.Env, "chart": &b.Helm.Chart, "release": &b.Helm.Release, "apply-mode": &b.ApplyMode,
		"prometheus-url": &c.URL, "prometheus-tenant": &c.Tenant, "prometheus-user": &c.BasicAuthUser,
		"prometheus-password-file": &c.BasicAuthPasswordFile, "prometheus-bearer-token-file": &c.BearerTokenFile,
		"prometheus-ca-file": &c.CAFile, "prometheus-cert-file": &c.CertFile, "prometheus-key-file": &c.KeyFile,
		"prometheus-server-name": &c.ServerName,
	}
}

// Record returns the options a run records (see FillFromRecord), keyed by
// CLI flag name.
func (b BindOptions) Record() map[string]string {
	out := map[string]string{}
	for flag, v := range recordedOptions(&b) {
		out[flag] = *v
	}
	if len(b.Helm.Values) > 0 {
		out["values"] = strings.Join(b.Helm.Values, "\n")
	}
	if b.Prometheus.InsecureSkipVerify {
		out["prometheus-insecure-skip-verify"] = "true"
	}
	if b.Prometheus.Timeout > 0 {
		out["prometheus-timeout"] = b.Prometheus.Timeout.D().String()
	}
	return out
}

// FillFromRecord sets the options a run recorded (plan.State.Options, see
// Record) that given does not report as given (given takes a CLI flag name;
// nil: none given), so that resuming needs no option repeated.
func (b *BindOptions) FillFromRecord(recorded map[string]string, given func(flag string) bool) error {
	if given == nil {
		given = func(string) bool { return false }
	}
	for flag, dst := range recordedOptions(b) {
		if v := recorded[flag]; v != "" && !given(flag) {
			*dst = v
		}
	}
	if v := recorded["values"]; v != "" && !given("values") {
		b.Helm.Values = strings.Split(v, "\n")
	}
	c := &b.Prometheus
	if v := recorded["prometheus-insecure-skip-verify"]; v == "true" && !given("prometheus-insecure-skip-verify") {
		c.InsecureSkipVerify = true
	}
	if v := recorded["prometheus-timeout"]; v != "" && !given("prometheus-timeout") {
		d, err := duration.Parse(v)
		if err != nil {
			return fmt.Errorf("the run state's prometheus-timeout %q is not a duration: %w", v, err)
		}
		c.Timeout = d
	}
	return nil
}

// RunHooks are how a caller follows and steers a run.
type RunHooks struct {
	// Events receives the run's progress (steps, actions, gate
	// evaluations); nil: none.
	Events plan.EventSink
	// Confirm asks before destructive steps; nil: they need Apply.Yes.
	Confirm plan.Confirmer
}

// runner wires a plan runner on t: state store, lock, identity, holder.
// binder is nil for the calls that run no step (approve, abort).
func (t *Target) runner(ctx context.Context, binder plan.Binder, hooks RunHooks) (*plan.Runner, error) {
	store, locker, err := t.StateStore()
	if err != nil {
		return nil, err
	}
	events := hooks.Events
	if events == nil {
		events = plan.Discard
	}
	r := &plan.Runner{Store: store, Locker: locker, Binder: binder, Clock: t.Clock, Events: events, Confirm: hooks.Confirm, Holder: t.holder()}
	id, err := t.Identity(ctx)
	if err != nil {
		return nil, err
	}
	r.Identity = id
	return r, nil
}

// runRunner builds a runner with the binder of bind, recording bind.
func (t *Target) runRunner(ctx context.Context, bind BindOptions, hooks RunHooks) (*plan.Runner, error) {
	b, err := t.Binder(ctx, t, bind)
	if err != nil {
		return nil, err
	}
	r, err := t.runner(ctx, b, hooks)
	if err != nil {
		return nil, err
	}
	r.Options = bind.Record()
	return r, nil
}

// loadForRun loads a plan (see LoadPlan) for a run with bind: the
// parameters' defaults of bind's kind of environment, the actions for
// other kinds left out (plan.Plan.ForEnvironment, which refuses a plan
// that does not run on that kind).
func (t *Target) loadForRun(arg string, params map[string]string, bind BindOptions) (*plan.Plan, error) {
	kind := bind.EnvironmentKind()
	p, err := t.LoadPlanWith(arg, plan.LoadOptions{Params: params, Environment: kind})
	if err != nil {
		return nil, err
	}
	return p.ForEnvironment(kind)
}

// PlanOptions are the inputs of Plan.
type PlanOptions struct {
	// Plan is a built-in plan's name or a plan directory (see PlanRef).
	Plan string
	// Params are raw parameter values (lists comma-separated).
	Params map[string]string
	// Bind are the cluster and environment options; start from
	// DefaultBindOptions() (the zero value has no apply mode).
	Bind BindOptions
	// Until, when set, is the end of a maintenance window: the preview
	// then says which remaining steps could start before it.
	Until time.Time
}

// Plan checks every action of every step not done yet against the cluster
// and returns what each would change; nothing is changed. The recorded run,
// if any, says which steps are done. Errors: invalid Bind options, a plan
// that does not load, an unreachable cluster (whatever the state store) or
// state store, a run recorded on another cluster. Actions that cannot be
// checked are reported in the preview, not as an error.
func Plan(ctx context.Context, t *Target, o PlanOptions) (*plan.PlanPreview, error) {
	if err := o.Bind.Validate(); err != nil {
		return nil, err
	}
	p, err := t.loadForRun(o.Plan, o.Params, o.Bind)
	if err != nil {
		return nil, err
	}
	b, err := t.Binder(ctx, t, o.Bind)
	if err != nil {
		return nil, err
	}
	// The cluster must answer whatever the state store (a state file does
	// not need it), and a recorded run counts only on its own cluster.
	id, err := t.Identity(ctx)
	if err != nil {
		return nil, err
	}
	st, err := t.CurrentState(ctx)
	if err != nil {
		return nil, err
	}
	if store, _, err := t.StateStore(); err != nil {
		return nil, err
	} else if err := st.CheckCluster(id, store.Describe()); err != nil {
		return nil, err
	}
	pv := plan.BuildPreview(ctx, p, st, b)
	if !o.Until.IsZero() {
		if st != nil && st.Plan != p.Name {
			st = nil
		}
		pv.FitWindow(p, st, t.Clock.Now(), o.Until)
	}
	return pv, nil
}

// ApplyOptions are the inputs of Apply.
type ApplyOptions struct {
	// Plan is a built-in plan's name or a plan directory (see PlanRef).
	Plan string
	// Params are raw parameter values (lists comma-separated).
	Params map[string]string
	// Bind are the cluster and environment options; start from
	// DefaultBindOptions() (the zero value has no apply mode).
	Bind BindOptions
	// Run holds confirmation, maintenance window, plan-change and
	// force-unlock choices.
	Run   plan.ApplyOptions
	Hooks RunHooks
}

// Apply runs a plan, new or continuing its unfinished run, saving state
// after every action. It returns nil when the plan ran to its end; why a
// run stopped is a typed error of pkg/plan (GateFailedError, PausedError,
// WindowClosedError, LockedError, ErrInterrupted, ErrLockLost, wrapped in
// a ReportedError once Events reported it), which the CLI maps to its exit
// codes.
func Apply(ctx context.Context, t *Target, o ApplyOptions) error {
	if err := o.Bind.Validate(); err != nil {
		return err
	}
	p, err := t.loadForRun(o.Plan, o.Params, o.Bind)
	if err != nil {
		return err
	}
	r, err := t.runRunner(ctx, o.Bind, o.Hooks)
	if err != nil {
		return err
	}
	return r.Apply(ctx, p, o.Run)
}

// ResumeOptions are the inputs of Resume.
type ResumeOptions struct {
	// Bind overrides the options the run recorded where Given says so.
	Bind BindOptions
	// Given reports which options (by CLI flag name, e.g. "env",
	// "prometheus-url") Bind sets on purpose; the others are taken from
	// the run's record. Nil: all from the record.
	Given func(flag string) bool
	Run   plan.ApplyOptions
	Hooks RunHooks
}

// Resume continues the unfinished run where it stopped, with its recorded
// plan source, parameters and options. Errors are those of Apply, and
// plan.ErrNothingToResume when no run is unfinished.
func Resume(ctx context.Context, t *Target, o ResumeOptions) error {
	st, err := t.CurrentState(ctx)
	if err != nil {
		return err
	}
	if st != nil {
		if err := o.Bind.FillFromRecord(st.Options, o.Given); err != nil {
			return err
		}
	}
	if err := o.Bind.Validate(); err != nil {
		return err
	}
	r, err := t.runRunner(ctx, o.Bind, o.Hooks)
	if err != nil {
		return err
	}
	kind := o.Bind.EnvironmentKind()
	return r.Resume(ctx, func(source string, values plan.ParamValues) (*plan.Plan, error) {
		p, err := t.ReloadPlan(source, values, kind)
		if err != nil {
			return nil, err
		}
		return p.ForEnvironment(kind)
	}, o.Run)
}

// ApproveOptions are the inputs of Approve.
type ApproveOptions struct {
	// Step is the ID of the manual step.
	Step string
	// By is who approves (default: Target.Holder, else Approver("")).
	By string
	// Comment is what was done, for the record.
	Comment string
}

// Approve records that the manual instruction of a step was carried out, by
// whom and when: for the step a run is paused at or, ahead of time, a later
// one. It returns the updated state.
func Approve(ctx context.Context, t *Target, o ApproveOptions) (*plan.State, error) {
	r, err := t.runner(ctx, nil, RunHooks{})
	if err != nil {
		return nil, err
	}
	by := o.By
	if by == "" {
		by = t.Holder
	}
	return r.Approve(ctx, o.Step, Approver(by), o.Comment)
}

// AbortOptions are the inputs of Abort.
type AbortOptions struct {
	// Reason is why the run is abandoned, for the record.
	Reason string
	// ForceUnlock frees a lock left by a run that is gone, given its ID.
	ForceUnlock string
}

// Abort abandons the unfinished run; nothing changes in the cluster. It
// returns the final state (see UndoHints for how to revert its steps).
func Abort(ctx context.Context, t *Target, o AbortOptions) (*plan.State, error) {
	r, err := t.runner(ctx, nil, RunHooks{})
	if err != nil {
		return nil, err
	}
	return r.Abort(ctx, o.Reason, plan.ApplyOptions{ForceUnlock: o.ForceUnlock})
}

// UndoHint is how to revert one started step of a run.
type UndoHint struct {
	Step   string
	Status plan.StepStatus
	// Undo is the step's undo text; "" when the plan gives none.
	Undo string
}

// UndoHints lists the started steps of st, newest first, with their plan's
// undo texts. The error says why the plan could not be reloaded; the hints
// are then returned without undo texts.
func UndoHints(t *Target, st *plan.State) ([]UndoHint, error) {
	p, err := t.ReloadPlan(st.Source(), st.Params, RecordedEnvironmentKind(st.Options))
	var out []UndoHint
	for i := len(st.Steps) - 1; i >= 0; i-- {
		ss := st.Steps[i]
		if ss.Status == plan.StepPending {
			continue
		}
		h := UndoHint{Step: ss.ID, Status: ss.Status}
		if p != nil {
			if s := p.Step(ss.ID); s != nil {
				h.Undo = s.Undo
			}
		}
		out = append(out, h)
	}
	return out, err
}

// StatusResult is where the current run stands. Its JSON form is the
// output of `mimirctl status -o json`.
type StatusResult struct {
	// State is the recorded run; nil when none is.
	State *plan.State `json:"state"`
	// Lock is the lock's holder; nil when it is free.
	Lock *plan.LockInfo `json:"lock"`
	// Where describes the state store (e.g. "ConfigMap mimir/mimirctl-state").
	Where string `json:"where"`
}

// StatusOptions are the inputs of Status (none yet).
type StatusOptions struct{}

// Status reads the recorded run and the lock, without taking it.
func Status(ctx context.Context, t *Target, _ StatusOptions) (*StatusResult, error) {
	store, locker, err := t.StateStore()
	if err != nil {
		return nil, err
	}
	r := &plan.Runner{Store: store, Locker: locker}
	st, lock, err := r.Status(ctx)
	if err != nil {
		return nil, err
	}
	return &StatusResult{State: st, Lock: lock, Where: store.Describe()}, nil
}
