package plan

import (
	"time"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// EventSchemaVersion is the version of the JSON-lines event schema written
// with -o json. Fields are only ever added within a version.
const EventSchemaVersion = 1

// EventType names an event in the run's event stream.
type EventType string

// Event types, in the order a run emits them.
const (
	EventRunStarted    EventType = "run_started"
	EventPreflight     EventType = "preflight"
	EventPosition      EventType = "position"
	EventStepStarted   EventType = "step_started"
	EventActionSkipped EventType = "action_skipped"
	EventActionStarted EventType = "action_started"
	EventActionDone    EventType = "action_finished"
	EventProgress      EventType = "progress"
	EventPaused        EventType = "paused"
	EventGate          EventType = "gate_observation"
	EventGatePassed    EventType = "gate_passed"
	EventGateFailed    EventType = "gate_failed"
	EventWaiting       EventType = "waiting"
	EventStepFinished  EventType = "step_finished"
	EventWindowClosed  EventType = "window_closed"
	EventInterrupted   EventType = "interrupted"
	EventRunFailed     EventType = "run_failed"
	EventRunFinished   EventType = "run_finished"
)

// Event is one entry of the event stream.
type Event struct {
	V           int                  `json:"v"`
	Time        time.Time            `json:"time"`
	Type        EventType            `json:"type"`
	RunID       string               `json:"runID,omitempty"`
	Plan        string               `json:"plan,omitempty"`
	Step        string               `json:"step,omitempty"`
	StepTitle   string               `json:"stepTitle,omitempty"`
	StepIndex   int                  `json:"stepIndex,omitempty"`
	StepCount   int                  `json:"stepCount,omitempty"`
	Action      string               `json:"action,omitempty"`
	Gate        string               `json:"gate,omitempty"`
	Observation *verdict.Observation `json:"observation,omitempty"`
	Until       *time.Time           `json:"until,omitempty"`
	Message     string               `json:"message,omitempty"`
	Status      string               `json:"status,omitempty"`
}

// EventSink receives events. Implementations must not block for long.
type EventSink interface {
	Emit(Event)
}

// EventFunc adapts a function to EventSink.
type EventFunc func(Event)

// Emit calls f.
func (f EventFunc) Emit(e Event) { f(e) }

// Discard drops events.
var Discard EventSink = EventFunc(func(Event) {})
