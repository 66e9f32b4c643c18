package scenario

import (
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

func TestStepTimesSplitsAStepIntoItsPhases(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	until := func(s int) *time.Time { u := at(s); return &u }
	evs := []plan.Event{
		{Type: plan.EventStepStarted, RunID: "r1", Step: "1", Time: at(0)},
		// Binding and checking the action (seconds 0-2) count as the action.
		{Type: plan.EventActionStarted, RunID: "r1", Step: "1", Action: "jsonnet", Time: at(2)},
		// A declared wait inside the action (seconds 20-50) counts as a wait.
		{Type: plan.EventWaiting, RunID: "r1", Step: "1", Time: at(20), Until: until(50)},
		{Type: plan.EventActionDone, RunID: "r1", Step: "1", Action: "jsonnet", Time: at(60)},
		// Binding the gate and its first evaluation (60-61) count as the gate.
		{Type: plan.EventGate, RunID: "r1", Step: "1", Gate: "ring", Time: at(61)},
		{Type: plan.EventGate, RunID: "r1", Step: "1", Gate: "ring", Time: at(70)},
		{Type: plan.EventGatePassed, RunID: "r1", Step: "1", Gate: "ring", Time: at(90)},
		// Saving the state after the gate (90-95) is the rest.
		{Type: plan.EventStepFinished, RunID: "r1", Step: "1", Time: at(95)},
		// A step started in an earlier process: no wall time to split.
		{Type: plan.EventStepFinished, RunID: "r1", Step: "0", Time: at(96)},
		// Another run's step of the same name is its own.
		{Type: plan.EventStepStarted, RunID: "r2", Step: "1", Time: at(97)},
		// A wait beyond the step's end is cut there.
		{Type: plan.EventStepStarted, RunID: "r1", Step: "2", Time: at(100)},
		{Type: plan.EventWaiting, RunID: "r1", Step: "2", Time: at(101), Until: until(500)},
		{Type: plan.EventStepFinished, RunID: "r1", Step: "2", Time: at(120)},
		{Type: plan.EventStepFinished, RunID: "r2", Step: "1", Time: at(130)},
	}
	got := StepTimes(evs)
	want := []StepTime{
		{Step: "1", Wall: 95 * time.Second, Actions: 30 * time.Second, Gates: 30 * time.Second, Waits: 30 * time.Second, Rest: 5 * time.Second},
		{Step: "2", Wall: 20 * time.Second, Waits: 19 * time.Second, Rest: time.Second},
		{Step: "1", Wall: 33 * time.Second, Rest: 33 * time.Second},
	}
	if len(got) != len(want) {
		t.Fatalf("StepTimes: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %s: %s, want %s", want[i].Step, got[i], want[i])
		}
	}
}

func TestParseEventsSkipsTextAndRefusesBrokenJSON(t *testing.T) {
	evs, err := ParseEvents("a text line\n{\"v\":1,\"type\":\"run_started\",\"runID\":\"r1\"}\n")
	if err != nil || len(evs) != 1 || evs[0].Type != plan.EventRunStarted || evs[0].RunID != "r1" {
		t.Fatalf("ParseEvents: %v %v", evs, err)
	}
	if _, err := ParseEvents("{not json\n"); err == nil {
		t.Error("ParseEvents accepted a broken JSON line")
	}
}
