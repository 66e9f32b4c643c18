package plan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// StateVersion is the schema version of State; a state written by a newer
// mimirctl is refused rather than misread.
const StateVersion = 1

// RunStatus is where a run stands.
type RunStatus string

// Run statuses.
const (
	RunRunning  RunStatus = "running" // a process is (or was, before a crash) executing it
	RunPaused   RunStatus = "paused"  // waiting for `mimirctl approve`
	RunStopped  RunStatus = "stopped" // interrupted or out of window; resumable
	RunFailed   RunStatus = "failed"  // a gate failed or an action errored; resumable after a fix
	RunDone     RunStatus = "done"    // every step finished
	RunAborted  RunStatus = "aborted" // abandoned with `mimirctl abort`
	RunUnstated RunStatus = ""        // never started
)

// Resumable reports whether `resume` can continue a run in this status.
func (s RunStatus) Resumable() bool {
	return s == RunRunning || s == RunPaused || s == RunStopped || s == RunFailed
}

// StepStatus is where a step stands.
type StepStatus string

// Step statuses.
const (
	StepPending  StepStatus = "pending"
	StepRunning  StepStatus = "running"
	StepApproval StepStatus = "awaiting-approval"
	StepGating   StepStatus = "gating"
	StepWaiting  StepStatus = "waiting"
	StepDone     StepStatus = "done"
	StepFailed   StepStatus = "failed"
	StepSkipped  StepStatus = "skipped"
)

// ActionStatus is where one action stands.
type ActionStatus string

// Action statuses. "started" means apply was called but its outcome was not
// recorded (a crash or an interruption): the next run checks before acting.
const (
	ActionPending ActionStatus = "pending"
	ActionStarted ActionStatus = "started"
	ActionApplied ActionStatus = "applied"
	ActionSkipped ActionStatus = "already-done"
	ActionFailed  ActionStatus = "failed"
)

// ClusterIdentity ties a state to one cluster and namespace.
type ClusterIdentity struct {
	// Server is the API server URL the run talked to.
	Server string `json:"server"`
	// ClusterUID is the UID of the kube-system namespace: it survives API
	// server address changes and differs between clusters.
	ClusterUID string `json:"clusterUID"`
	Namespace  string `json:"namespace"`
}

// Same reports whether two identities name the same cluster and namespace.
// The server address may change (a new load balancer); the UID may not.
func (c ClusterIdentity) Same(o ClusterIdentity) bool {
	if c.ClusterUID != "" && o.ClusterUID != "" {
		return c.ClusterUID == o.ClusterUID && c.Namespace == o.Namespace
	}
	return c.Server == o.Server && c.Namespace == o.Namespace
}

func (c ClusterIdentity) String() string {
	return fmt.Sprintf("namespace %s on %s (cluster %s)", c.Namespace, c.Server, c.ClusterUID)
}

// CheckCluster returns an error when s (nil: no run recorded) was
// recorded on another cluster or namespace than id; where names the store
// (Store.Describe) for the message, which says how to point at the right
// cluster or use another store. States without a recorded namespace (none
// written by a run) pass.
func (s *State) CheckCluster(id ClusterIdentity, where string) error {
	if s == nil || s.Cluster.Namespace == "" || s.Cluster.Same(id) {
		return nil
	}
	return fmt.Errorf("%s belongs to %s, not %s: point --kubeconfig/--context/-n at the right cluster, or use another --state-name (--state-file with --state=file)", where, s.Cluster, id)
}

// State is everything a run has done, persisted after every action.
type State struct {
	Version    int    `json:"version"`
	RunID      string `json:"runID"`
	Plan       string `json:"plan"`
	PlanDigest string `json:"planDigest"`
	// PlanSource is where `resume` reloads the plan from (Plan.Source): a
	// built-in plan's name or the absolute path of a plan directory. States
	// written before it existed have none: their plan is the built-in Plan.
	PlanSource string      `json:"planSource,omitempty"`
	Params     ParamValues `json:"params,omitempty"`
	// Options are the run's non-secret command-line choices (the Tanka
	// environment, the Prometheus address, ...), reused by resume.
	Options map[string]string `json:"options,omitempty"`
	Cluster ClusterIdentity   `json:"cluster"`
	Status  RunStatus         `json:"status"`
	// Reason explains the status, e.g. the failed gate or the window end.
	Reason    string       `json:"reason,omitempty"`
	StartedAt time.Time    `json:"startedAt"`
	UpdatedAt time.Time    `json:"updatedAt"`
	Steps     []*StepState `json:"steps"`
	// Approvals given ahead of time for steps not reached yet are kept here
	// until the step starts.
	Approvals map[string]Approval `json:"approvals,omitempty"`
	// History lists earlier runs of this namespace, newest last.
	History []RunSummary `json:"history,omitempty"`
}

// StepState is the record of one step.
type StepState struct {
	ID         string        `json:"id"`
	Status     StepStatus    `json:"status"`
	StartedAt  *time.Time    `json:"startedAt,omitempty"`
	FinishedAt *time.Time    `json:"finishedAt,omitempty"`
	Actions    []ActionState `json:"actions,omitempty"`
	Gates      []GateState   `json:"gates,omitempty"`
	// WaitUntil is the persisted deadline of the step's wait.
	WaitUntil *time.Time `json:"waitUntil,omitempty"`
	// WaitMeasure says how a wait measured from the components' settings
	// got its length (Wait.FromConfig), for the operator.
	WaitMeasure string    `json:"waitMeasure,omitempty"`
	Approval    *Approval `json:"approval,omitempty"`
	Error       string    `json:"error,omitempty"`
	// Note says why a step was skipped without running, e.g. that the
	// environment already holds a later step's change.
	Note string `json:"note,omitempty"`
}

// ActionState is the record of one action.
type ActionState struct {
	Label      string       `json:"label"`
	Status     ActionStatus `json:"status"`
	StartedAt  *time.Time   `json:"startedAt,omitempty"`
	FinishedAt *time.Time   `json:"finishedAt,omitempty"`
	Attempts   int          `json:"attempts,omitempty"`
	Detail     string       `json:"detail,omitempty"`
	// Data is the action's own progress record (compound actions such as an
	// ingester zone shutdown note every per-pod call here).
	Data map[string]string `json:"data,omitempty"`
}

// GateState is the record of one gate: its latest observation and counters.
type GateState struct {
	Name        string              `json:"name"`
	Verdict     verdict.Verdict     `json:"verdict"`
	Observation verdict.Observation `json:"observation"`
	At          time.Time           `json:"at"`
	Evaluations int                 `json:"evaluations"`
	Passes      int                 `json:"passes"`
	Failures    int                 `json:"failures"`
	Passed      bool                `json:"passed"`
	// Streak is the number of passes in a row so far (a policy's
	// `consecutive`), and FirstPassAt when that series of passes began.
	Streak      int        `json:"streak,omitempty"`
	FirstPassAt *time.Time `json:"firstPassAt,omitempty"`
	// HoldSince is when the condition of a gate with a hold (a PromQL
	// gate's `for`) began to hold, for a resumed run to continue it.
	HoldSince *time.Time `json:"holdSince,omitempty"`
}

// Approval records who approved a manual step and when.
type Approval struct {
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
}

// RunSummary is what remains of a finished or aborted run.
type RunSummary struct {
	RunID      string    `json:"runID"`
	Plan       string    `json:"plan"`
	Status     RunStatus `json:"status"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
}

// maxHistory bounds State.History.
const maxHistory = 20

// StepState returns the record of step id, or nil.
func (s *State) StepState(id string) *StepState {
	for _, st := range s.Steps {
		if st.ID == id {
			return st
		}
	}
	return nil
}

// Source is where the run's plan is reloaded from: PlanSource, or for
// states written before it existed, the built-in plan of the run's name.
func (s *State) Source() string {
	if s.PlanSource != "" {
		return s.PlanSource
	}
	return s.Plan
}

// Summary returns the run as a history entry.
func (s *State) Summary() RunSummary {
	return RunSummary{RunID: s.RunID, Plan: s.Plan, Status: s.Status, StartedAt: s.StartedAt, FinishedAt: s.UpdatedAt}
}

// Revision identifies a stored version of the state for optimistic
// concurrency: a ConfigMap resourceVersion, or a digest of a file's content.
type Revision string

// Store persists a State.
type Store interface {
	// Load returns the stored state, or ErrNoState.
	Load(ctx context.Context) (*State, Revision, error)
	// Save writes st if the stored revision is still rev ("" to create), and
	// returns the new revision; ErrStateConflict if someone else wrote first.
	Save(ctx context.Context, st *State, rev Revision) (Revision, error)
	// Describe names where the state lives, e.g. "ConfigMap mimir/mimirctl-state".
	Describe() string
}

// Errors that callers branch on.
var (
	ErrNoState       = errors.New("no mimirctl run recorded here")
	ErrStateConflict = errors.New("the state was changed by someone else")
)
