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

// TestLines: each event type prints its line, plain off a terminal and
// with SGR codes on one; unknown types print nothing.
func TestLines(t *testing.T) {
	until := start.Add(90 * time.Second)
	at := until.Local().Format("2006-01-02 15:04:05")
	for _, tc := range []struct {
		e               plan.Event
		plain, terminal string
	}{
		{plan.Event{Type: plan.EventRunStarted, Plan: "demo", RunID: "r1", Message: "new run"},
			"Plan demo (run r1, new run)\n", "\x1b[1mPlan\x1b[0m demo (run r1, new run)\n"},
		{plan.Event{Type: plan.EventPreflight, Message: "no Prometheus address"},
			"  ! no Prometheus address\n", "  \x1b[33m!\x1b[0m no Prometheus address\n"},
		{plan.Event{Type: plan.EventPreflight, Gate: "rbac", Observation: obs(verdict.Pass, "may patch StatefulSets")},
			"  ✓ preflight rbac: pass: may patch StatefulSets\n", "  \x1b[32m✓\x1b[0m preflight rbac: pass: may patch StatefulSets\n"},
		{plan.Event{Type: plan.EventPosition, Message: "the environment holds step 2's change"},
			"  » the environment holds step 2's change\n", "  \x1b[2m»\x1b[0m the environment holds step 2's change\n"},
		{plan.Event{Type: plan.EventStepStarted, Step: "1-scale", StepTitle: "Scale the writers", StepIndex: 1, StepCount: 2},
			"\n[1/2] 1-scale Scale the writers\n", "\n\x1b[1m[1/2]\x1b[0m \x1b[1m1-scale\x1b[0m Scale the writers\n"},
		{plan.Event{Type: plan.EventActionSkipped, Action: "label", Message: "labels match"},
			"  = label (already done: labels match)\n", "  \x1b[2m=\x1b[0m label \x1b[2m(already done: labels match)\x1b[0m\n"},
		{plan.Event{Type: plan.EventActionStarted, Action: "scale"}, "  → scale\n", "  \x1b[33m→\x1b[0m scale\n"},
		{plan.Event{Type: plan.EventProgress, Message: "2/3 replicas ready"}, "    2/3 replicas ready\n", "    2/3 replicas ready\n"},
		{plan.Event{Type: plan.EventActionDone, Action: "scale"}, "  ✓ scale\n", "  \x1b[32m✓\x1b[0m scale\n"},
		{plan.Event{Type: plan.EventGate, Step: "1-scale", Gate: "ring", Observation: obs(verdict.Inconclusive, "2/3 ACTIVE")},
			"  … gate ring: inconclusive: 2/3 ACTIVE\n", "  \x1b[33m…\x1b[0m gate ring: inconclusive: 2/3 ACTIVE\n"},
		{plan.Event{Type: plan.EventGate, Step: "1-scale", Gate: "ring", Observation: obs(verdict.Fail, "1 LEAVING")},
			"  … gate ring: fail: 1 LEAVING\n", "  \x1b[31m…\x1b[0m gate ring: fail: 1 LEAVING\n"},
		{plan.Event{Type: plan.EventGatePassed, Gate: "ring", Observation: obs(verdict.Pass, "3/3 ACTIVE")},
			"  ✓ gate ring: pass: 3/3 ACTIVE\n", "  \x1b[32m✓\x1b[0m gate ring: pass: 3/3 ACTIVE\n"},
		{plan.Event{Type: plan.EventGateFailed, Gate: "errors"}, "  ✗ gate errors\n", "  \x1b[31m✗\x1b[0m gate errors\n"},
		// On a terminal the wait's countdown line is cleared by Stop.
		{plan.Event{Type: plan.EventWaiting, Until: &until, Message: "let queries move"},
			"  ⧗ waiting until " + at + " (1m30s): let queries move\n",
			"  \x1b[33m⧗\x1b[0m waiting until " + at + " (1m30s): let queries move\n\r\x1b[K"},
		{plan.Event{Type: plan.EventStepFinished, Step: "1-scale"}, "  ✓ step 1-scale done\n", "  \x1b[32m✓\x1b[0m step 1-scale done\n"},
		{plan.Event{Type: plan.EventPaused, Message: "step 2 waits for approval"},
			"\n⏸ paused: step 2 waits for approval\n", "\n\x1b[33m⏸ paused:\x1b[0m step 2 waits for approval\n"},
		{plan.Event{Type: plan.EventWindowClosed, Message: "the window ends before step 2"},
			"\n⏹ stopped: the window ends before step 2\n", "\n\x1b[33m⏹ stopped:\x1b[0m the window ends before step 2\n"},
		{plan.Event{Type: plan.EventInterrupted, Message: "signal"}, "\n⏹ interrupted: signal\n", "\n\x1b[33m⏹ interrupted:\x1b[0m signal\n"},
		{plan.Event{Type: plan.EventRunFailed, Message: "gate errors failed"},
			"\n✗ failed: gate errors failed\n", "\n\x1b[31m✗ failed:\x1b[0m gate errors failed\n"},
		{plan.Event{Type: plan.EventRunFinished, Plan: "demo"}, "\n✓ demo: all steps done\n", "\n\x1b[32m✓\x1b[0m demo: all steps done\n"},
		{plan.Event{Type: plan.EventRunFinished, Plan: "demo", Message: "nothing left"},
			"\n✓ demo: nothing left\n", "\n\x1b[32m✓\x1b[0m demo: nothing left\n"},
		{plan.Event{Type: "something_new", Message: "not printed"}, "", ""},
	} {
		for _, terminal := range []bool{false, true} {
			var out bytes.Buffer
			p := NewPrinter(&out, Options{Terminal: terminal, Now: fixed(start)})
			p.Emit(tc.e)
			p.Stop()
			want := tc.plain
			if terminal {
				want = tc.terminal
			}
			// A countdown tick, should a slow machine let one pass before
			// Stop, is no part of the event's line.
			got := strings.ReplaceAll(p.written(&out), "\r    1m30s left   ", "")
			if got != want {
				t.Errorf("%s (terminal %v): got %q, want %q", tc.e.Type, terminal, got, want)
			}
		}
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
