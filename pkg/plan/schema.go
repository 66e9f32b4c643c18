package plan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Plan is a loaded, validated plan with its parameters bound.
type Plan struct {
	// Name identifies the plan, e.g. "microservices-to-read-write".
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// MimirVersions is the range of Mimir versions the plan supports, e.g.
	// ">=2.0.0 <3.0.0". Empty means any.
	MimirVersions string `json:"mimirVersions,omitempty"`
	// VersionReason explains the range to an operator whose cluster is outside it.
	VersionReason string `json:"versionReason,omitempty"`
	// Environments are the kinds of environment the plan runs on
	// (EnvironmentTanka, EnvironmentHelm), as its metadata declares them;
	// empty: those its actions change (see SupportedEnvironments).
	Environments []string `json:"environments,omitempty"`
	// EnvironmentReason explains to a user of another kind of environment
	// why the plan does not run on it.
	EnvironmentReason string      `json:"environmentReason,omitempty"`
	Notes             []string    `json:"notes,omitempty"`
	Docs              []DocRef    `json:"docs,omitempty"`
	Parameters        []Parameter `json:"parameters,omitempty"`
	Values            ParamValues `json:"values,omitempty"`
	// Unbound names the required parameters a plan loaded with
	// LoadOptions.Unbound has no value for; such a plan is shown, never run.
	Unbound   []string     `json:"unbound,omitempty"`
	Preflight []GateConfig `json:"preflight,omitempty"`
	Steps     []*Step      `json:"steps"`
	// Source is where the plan was read from, as `resume` finds it again:
	// a built-in plan's name or the absolute path of the plan's directory.
	// Load sets the directory it was given; callers that know the absolute
	// path replace it.
	Source string `json:"-"`
}

// DocRef points at the documentation a plan or step implements.
type DocRef struct {
	Title   string `yaml:"title" json:"title"`
	URL     string `yaml:"url,omitempty" json:"url,omitempty"`
	Section string `yaml:"section,omitempty" json:"section,omitempty"`
}

// Step is one stage of a plan.
type Step struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Why   string   `json:"why,omitempty"`
	Docs  []DocRef `json:"docs,omitempty"`
	// Actions run in order; each is skipped when its check says it is done.
	Actions []ActionConfig `json:"actions,omitempty"`
	// Manual, when set, pauses the run after the actions until the step is
	// approved with `mimirctl approve`.
	Manual *Manual `json:"manual,omitempty"`
	// Gates must all pass before the step is done.
	Gates []GateConfig `json:"gates,omitempty"`
	// Wait holds the run for a duration after the gates pass.
	Wait *Wait `json:"wait,omitempty"`
	// MinDuration is the least time the step takes; a step that does not fit
	// in what is left of a maintenance window is not started.
	MinDuration duration.Duration `json:"minDuration,omitempty"`
	// Undo says how to revert the step by hand.
	Undo string `json:"undo,omitempty"`
	// Source is "file:line" of the step's definition.
	Source string `json:"-"`
}

// ActionConfig is one action of a step: a kind with its decoded spec.
type ActionConfig struct {
	Kind        string     `json:"kind"`
	Name        string     `json:"name,omitempty"`
	Description string     `json:"description,omitempty"`
	Spec        ActionSpec `json:"spec"`
	Source      string     `json:"-"`
}

// Label names the action for output: its name, or its spec's description.
func (a ActionConfig) Label() string {
	if a.Name != "" {
		return a.Name
	}
	if a.Description != "" {
		return a.Description
	}
	return a.Spec.Describe()
}

// GateConfig is one gate of a step: a kind with its decoded spec and the
// polling policy shared by every gate kind.
type GateConfig struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	Spec   GateSpec `json:"spec"`
	Policy Policy   `json:"policy"`
	Source string   `json:"-"`
}

// Policy says how often a gate is evaluated and when it is decided.
type Policy struct {
	// Interval between evaluations.
	Interval duration.Duration `yaml:"interval,omitempty" json:"interval"`
	// Timeout bounds how long the gate may take to pass. On resume the gate
	// starts a fresh timeout.
	Timeout duration.Duration `yaml:"timeout,omitempty" json:"timeout"`
	// Consecutive passes needed in a row.
	Consecutive int `yaml:"consecutive,omitempty" json:"consecutive"`
	// FailureLimit is the number of fail verdicts tolerated; one more fails
	// the gate at once. Negative (the default) means fail verdicts only mean
	// "not yet" until the timeout.
	FailureLimit int `yaml:"failureLimit,omitempty" json:"failureLimit"`
}

// Default gate policy values.
const (
	DefaultGateInterval = 10 * time.Second
	DefaultGateTimeout  = 15 * time.Minute
)

func (p Policy) withDefaults() Policy {
	if p.Interval <= 0 {
		p.Interval = duration.Duration(DefaultGateInterval)
	}
	if p.Timeout <= 0 {
		p.Timeout = duration.Duration(DefaultGateTimeout)
	}
	if p.Consecutive <= 0 {
		p.Consecutive = 1
	}
	return p
}

// Manual is an instruction a human must carry out before the run goes on.
type Manual struct {
	Instructions string `yaml:"instructions" json:"instructions"`
}

// Wait holds the run for a duration. Its deadline is persisted when the
// wait starts, so a resumed run never restarts it from zero.
type Wait struct {
	// Duration is the wait, or with FromConfig the least of it (what `plan`
	// shows and a maintenance window must hold).
	Duration duration.Duration `yaml:"duration" json:"duration"`
	Reason   string            `yaml:"reason,omitempty" json:"reason,omitempty"`
	// FromConfig makes the wait as long as the live components' settings
	// say, never shorter than Duration: measured when the wait begins (the
	// binder must be a WaitMeasurer), then kept as the persisted deadline.
	FromConfig *WaitFromConfig `yaml:"fromConfig,omitempty" json:"fromConfig,omitempty"`
}

// WaitFromConfig derives a wait from Mimir's /config: the sum of Keys, each
// a dotted path to a duration setting ([n] for a list item), each at its
// largest over the pods Pods selects. The zone-aware migration guide waits
// the block range plus the head compaction idle timeout after each batch of
// ingesters, and query_store_after after the write path moves:
//
//	wait:
//	  duration: 3h
//	  fromConfig:
//	    pods: {labels: name=ingester}
//	    keys: ['blocks_storage.tsdb.block_ranges_period[0]', blocks_storage.tsdb.head_compaction_idle_timeout]
//	    factors: {blocks_storage.tsdb.head_compaction_idle_timeout: 1.25}
type WaitFromConfig struct {
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	Keys []string           `yaml:"keys" json:"keys"`
	// Factors multiply a key's value (at least 1: a factor never shortens
	// the wait), for settings Mimir stretches at run time: an ingester adds
	// up to 25% jitter to the head compaction idle timeout
	// (-blocks-storage.tsdb.head-compaction-idle-timeout), so it waits for
	// 1.25 times it.
	Factors map[string]float64 `yaml:"factors,omitempty" json:"factors,omitempty"`
}

// Factor is the factor of key: Factors[key], else 1.
func (w WaitFromConfig) Factor(key string) float64 {
	if f, ok := w.Factors[key]; ok {
		return f
	}
	return 1
}

// Describe says in one line how the wait is measured.
func (w WaitFromConfig) Describe() string {
	terms := make([]string, len(w.Keys))
	for i, k := range w.Keys {
		terms[i] = k
		if f := w.Factor(k); f != 1 {
			terms[i] = fmt.Sprintf("%g × %s", f, k)
		}
	}
	return fmt.Sprintf("%s, each the largest over %s", strings.Join(terms, " + "), w.Pods)
}

// WaitMeasurer is implemented by binders that can measure a wait's
// FromConfig on the live components: the duration and how it was found
// ("2h [ingester-zone-a-0] + 1h [ingester-zone-a-0]"). An error (no pod
// selected, a /config that cannot be read, a key that is absent or not a
// duration) stops the step: the wait is never guessed.
type WaitMeasurer interface {
	MeasureWait(ctx context.Context, p *Plan, step *Step) (time.Duration, string, error)
}

// ActionSpec is the decoded, validated body of an action in a step file.
type ActionSpec interface {
	// Validate reports a spec that cannot work, naming the field.
	Validate() error
	// Describe says in one line what the action changes.
	Describe() string
}

// GateSpec is the decoded, validated body of a gate in a step file.
type GateSpec interface {
	Validate() error
	// Describe says in one line what the gate checks.
	Describe() string
}

// Destructive is implemented by action specs that can lose capacity or data
// when applied (scaling a stateful component down, deleting objects). Such
// actions need confirmation on a TTY, or --yes.
type Destructive interface {
	Destructive() bool
}

// IsDestructive reports whether the action needs confirmation.
func (a ActionConfig) IsDestructive() bool {
	d, ok := a.Spec.(Destructive)
	return ok && d.Destructive()
}

// Step returns the step with id, or nil.
func (p *Plan) Step(id string) *Step {
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// StepIndex returns the index of the step with id, or -1.
func (p *Plan) StepIndex(id string) int {
	for i, s := range p.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}
