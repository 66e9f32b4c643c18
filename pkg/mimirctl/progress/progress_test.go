package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

var start = time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func obs(v verdict.Verdict, summary string, details ...string) *verdict.Observation {
	return &verdict.Observation{Verdict: v, Summary: summary, Details: details}
}

// TestPlainLines: off a terminal every event type prints its line, with no
// escape codes, in the order of a run.
func TestPlainLines(t *testing.T) {
	until := start.Add(90 * time.Second)
	events := []plan.Event{
		{Type: plan.EventRunStarted, Plan: "demo", RunID: "r1", Message: "new run"},
		{Type: plan.EventPreflight, Message: "no Prometheus address: PromQL gates are inconclusive"},
		{Type: plan.EventPreflight, Gate: "rbac", Observation: obs(verdict.Pass, "may patch StatefulSets")},
		{Type: plan.EventPosition, Message: "the environment holds step 2's change"},
		{Type: plan.EventStepStarted, Step: "1-scale", StepTitle: "Scale the writers", StepIndex: 1, StepCount: 2},
		{Type: plan.EventActionSkipped, Action: "label", Message: "labels match"},
		{Type: plan.EventActionStarted, Action: "scale"},
		{Type: plan.EventProgress, Message: "2/3 replicas ready"},
		{Type: plan.EventActionDone, Action: "scale"},
		{Type: plan.EventGate, Step: "1-scale", Gate: "ring", Observation: obs(verdict.Inconclusive, "2/3 ACTIVE")},
		{Type: plan.EventGatePassed, Gate: "ring", Observation: obs(verdict.Pass, "3/3 ACTIVE")},
		{Type: plan.EventWaiting, Until: &until, Message: "let queries move"},
		{Type: plan.EventStepFinished, Step: "1-scale"},
		{Type: plan.EventGateFailed, Gate: "errors"},
		{Type: plan.EventPaused, Message: "step 2 waits for approval"},
		{Type: plan.EventWindowClosed, Message: "the window ends before step 2"},
		{Type: plan.EventInterrupted, Message: "signal"},
		{Type: plan.EventRunFailed, Message: "gate errors failed"},
		{Type: plan.EventRunFinished, Plan: "demo"},
		{Type: plan.EventRunFinished, Plan: "demo", Message: "nothing left"},
		{Type: "something_new", Message: "not printed"},
	}
	var out bytes.Buffer
	p := NewPrinter(&out, Options{Now: fixed(start)})
	for _, e := range events {
		p.Emit(e)
	}
	p.Stop()
	want := "Plan demo (run r1, new run)\n" +
		"  ! no Prometheus address: PromQL gates are inconclusive\n" +
		"  ✓ preflight rbac: pass: may patch StatefulSets\n" +
		"  » the environment holds step 2's change\n" +
		"\n[1/2] 1-scale Scale the writers\n" +
		"  = label (already done: labels match)\n" +
		"  → scale\n" +
		"    2/3 replicas ready\n" +
		"  ✓ scale\n" +
		"  … gate ring: inconclusive: 2/3 ACTIVE\n" +
		"  ✓ gate ring: pass: 3/3 ACTIVE\n" +
		"  ⧗ waiting until " + until.Local().Format("2006-01-02 15:04:05") + " (1m30s): let queries move\n" +
		"  ✓ step 1-scale done\n" +
		"  ✗ gate errors\n" +
		"\n⏸ paused: step 2 waits for approval\n" +
		"\n⏹ stopped: the window ends before step 2\n" +
		"\n⏹ interrupted: signal\n" +
		"\n✗ failed: gate errors failed\n" +
		"\n✓ demo: all steps done\n" +
		"\n✓ demo: nothing left\n"
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestTerminalColours: on a terminal marks and headings carry SGR codes.
func TestTerminalColours(t *testing.T) {
	var out bytes.Buffer
	p := NewPrinter(&out, Options{Terminal: true})
	p.Emit(plan.Event{Type: plan.EventStepStarted, Step: "1-scale", StepTitle: "Scale", StepIndex: 1, StepCount: 2})
	p.Emit(plan.Event{Type: plan.EventActionDone, Action: "scale"})
	p.Emit(plan.Event{Type: plan.EventGate, Step: "1-scale", Gate: "ring", Observation: obs(verdict.Fail, "1 LEAVING")})
	p.Emit(plan.Event{Type: plan.EventRunFailed, Message: "gate ring failed"})
	want := "\n\x1b[1m[1/2]\x1b[0m \x1b[1m1-scale\x1b[0m Scale\n" +
		"  \x1b[32m✓\x1b[0m scale\n" +
		"  \x1b[31m…\x1b[0m gate ring: fail: 1 LEAVING\n" +
		"\n\x1b[31m✗ failed:\x1b[0m gate ring failed\n"
	if got := out.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestGateObservations: a gate's observation prints when its verdict or
// summary changes; verbose prints every one with its details.
func TestGateObservations(t *testing.T) {
	seq := []plan.Event{
		{Type: plan.EventGate, Step: "s", Gate: "ring", Observation: obs(verdict.Fail, "2/3 ACTIVE", "ingester-2: JOINING")},
		{Type: plan.EventGate, Step: "s", Gate: "ring", Observation: obs(verdict.Fail, "2/3 ACTIVE", "ingester-2: JOINING")},
		// Same text under another step or gate is a change of its own.
		{Type: plan.EventGate, Step: "t", Gate: "ring", Observation: obs(verdict.Fail, "2/3 ACTIVE")},
		{Type: plan.EventGate, Step: "s", Gate: "ring", Observation: obs(verdict.Pass, "2/3 ACTIVE")},
		{Type: plan.EventGate, Step: "s", Gate: "ring", Observation: obs(verdict.Pass, "3/3 ACTIVE")},
		{Type: plan.EventGate, Step: "s", Gate: "ring", Observation: obs(verdict.Pass, "3/3 ACTIVE")},
	}
	for _, tc := range []struct {
		verbose int
		want    string
	}{
		{0, "  … gate ring: fail: 2/3 ACTIVE\n" +
			"  … gate ring: fail: 2/3 ACTIVE\n" +
			"  … gate ring: pass: 2/3 ACTIVE\n" +
			"  … gate ring: pass: 3/3 ACTIVE\n"},
		{1, "  … gate ring: fail: 2/3 ACTIVE\n      ingester-2: JOINING\n" +
			"  … gate ring: fail: 2/3 ACTIVE\n      ingester-2: JOINING\n" +
			"  … gate ring: fail: 2/3 ACTIVE\n" +
			"  … gate ring: pass: 2/3 ACTIVE\n" +
			"  … gate ring: pass: 3/3 ACTIVE\n" +
			"  … gate ring: pass: 3/3 ACTIVE\n"},
	} {
		var out bytes.Buffer
		p := NewPrinter(&out, Options{Verbose: tc.verbose})
		for _, e := range seq {
			p.Emit(e)
		}
		if got := out.String(); got != tc.want {
			t.Errorf("verbose %d: got:\n%s\nwant:\n%s", tc.verbose, got, tc.want)
		}
	}
}

// written reads what the printer wrote, under its lock, as the countdown
// writes from its own goroutine.
func (p *Printer) written(out *bytes.Buffer) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return out.String()
}

// TestCountdown: on a terminal a wait counts down in place every second
// until the next event or Stop clears the line; off a terminal it does not.
func TestCountdown(t *testing.T) {
	until := start.Add(90 * time.Second)
	wait := plan.Event{Type: plan.EventWaiting, Until: &until, Message: "settle"}
	line := "  \x1b[33m⧗\x1b[0m waiting until " + until.Local().Format("2006-01-02 15:04:05") + " (1m0s): settle\n"

	var out bytes.Buffer
	p := NewPrinter(&out, Options{Terminal: true, Now: fixed(start.Add(30 * time.Second))})
	p.Emit(wait)
	// The first tick prints what is left by the clock at that moment.
	tick := "\r    1m0s left   "
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.written(&out), tick) {
		if time.Now().After(deadline) {
			t.Fatalf("no countdown after 5s: %q", p.written(&out))
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.Emit(plan.Event{Type: plan.EventStepFinished, Step: "s"})
	got := p.written(&out)
	if !strings.HasPrefix(got, line+tick) || !strings.HasSuffix(got, "\r\x1b[K  \x1b[32m✓\x1b[0m step s done\n") {
		t.Fatalf("got %q: want the wait line, ticks, the line cleared, then the next event", got)
	}
	// The countdown ended with the event: no tick follows.
	time.Sleep(1200 * time.Millisecond)
	if again := p.written(&out); again != got {
		t.Errorf("countdown went on after the next event: %q", strings.TrimPrefix(again, got))
	}

	// Stop ends a countdown the same way, and is a no-op without one.
	out.Reset()
	p.Emit(wait)
	p.Stop()
	p.Stop()
	if got := p.written(&out); got != line+"\r\x1b[K" {
		t.Errorf("after Stop: %q, want the wait line cleared once", got)
	}

	var plain bytes.Buffer
	q := NewPrinter(&plain, Options{Now: fixed(start.Add(30 * time.Second))})
	q.Emit(wait)
	q.Stop()
	if want := "  ⧗ waiting until " + until.Local().Format("2006-01-02 15:04:05") + " (1m0s): settle\n"; plain.String() != want {
		t.Errorf("off a terminal: %q, want %q", plain.String(), want)
	}
}

// TestStyle: plain unless colour is on.
func TestStyle(t *testing.T) {
	if got := Style(false).Green("ok"); got != "ok" {
		t.Errorf("plain: %q", got)
	}
	for got, want := range map[string]string{
		Style(true).Green("a"): "\x1b[32ma\x1b[0m", Style(true).Red("a"): "\x1b[31ma\x1b[0m",
		Style(true).Yellow("a"): "\x1b[33ma\x1b[0m", Style(true).Bold("a"): "\x1b[1ma\x1b[0m", Style(true).Dim("a"): "\x1b[2ma\x1b[0m",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestColorTerminal: a file or a pipe is no terminal.
func TestColorTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if ColorTerminal(f) || ColorTerminal(w) {
		t.Error("a file or a pipe counted as a colour terminal")
	}
}
