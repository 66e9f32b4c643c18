package plan

import (
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
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
	VersionReason string      `json:"versionReason,omitempty"`
	Notes         []string    `json:"notes,omitempty"`
	Docs          []DocRef    `json:"docs,omitempty"`
	Parameters    []Parameter `json:"parameters,omitempty"`
	Values        ParamValues `json:"values,omitempty"`
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

// Wait holds the run for a fixed duration. Its deadline is persisted when the
// wait starts, so a resumed run never restarts it from zero.
type Wait struct {
	Duration duration.Duration `yaml:"duration" json:"duration"`
	Reason   string            `yaml:"reason,omitempty" json:"reason,omitempty"`
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
