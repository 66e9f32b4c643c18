// Package progress renders the events of a plan run (plan.Event, from
// mimirctl.RunHooks.Events) for people, as `mimirctl apply` and `mimirctl
// resume` print them on stderr: the plan and its run ID, preflight checks,
// each step as "[n/total] ID title", each action (started, done, or already
// done), gate verdicts as they change, waits, and why the run ended. On a
// terminal marks are coloured (ANSI SGR) and a wait counts down in place.
//
// A Printer is a plan.EventSink; the CLI uses it, and so can any program that
// calls pkg/mimirctl:
//
//	p := progress.NewPrinter(os.Stderr, progress.Options{Terminal: progress.ColorTerminal(os.Stderr)})
//	defer p.Stop()
//	err := mimirctl.Apply(ctx, target, mimirctl.ApplyOptions{..., Hooks: mimirctl.RunHooks{Events: p}})
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Options are how a Printer renders.
type Options struct {
	// Terminal colours the marks and keeps a countdown line during waits
	// (refreshed every second); off, the output is plain lines, one per
	// event printed.
	Terminal bool
	// Verbose at 0 prints a gate observation only when its verdict or
	// summary changed; at 1 or more it prints every observation with its
	// details (the CLI's -v).
	Verbose int
	// Now is the clock waits are counted down against (default time.Now;
	// the run's clock, plan.Clock.Now, for fake clocks).
	Now func() time.Time
}

// Printer writes run events as lines for people. It is safe for concurrent
// use; Emit does not block beyond writing one line.
type Printer struct {
	mu  sync.Mutex
	w   io.Writer
	o   Options
	pen Style
	// lastGate is the text last printed per step/gate, to print changes only.
	lastGate map[string]string
	stopTick chan struct{}
}

// NewPrinter returns a Printer writing to w.
func NewPrinter(w io.Writer, o Options) *Printer {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Printer{w: w, o: o, pen: Style(o.Terminal), lastGate: map[string]string{}}
}

// ColorTerminal reports whether f is a terminal and the NO_COLOR convention
// (https://no-color.org) does not ask for plain text: the Terminal option
// the CLI sets for stderr.
func ColorTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
}

// Emit prints e (plan.EventSink). It first ends a countdown in progress.
// Event types it does not know print nothing.
func (p *Printer) Emit(e plan.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopCountdown()
	s := p.pen
	switch e.Type {
	case plan.EventRunStarted:
		fmt.Fprintf(p.w, "%s %s (run %s, %s)\n", s.Bold("Plan"), e.Plan, e.RunID, e.Message)
	case plan.EventPreflight:
		if e.Gate == "" {
			fmt.Fprintf(p.w, "  %s %s\n", s.Yellow("!"), e.Message)
			break
		}
		fmt.Fprintf(p.w, "  %s preflight %s: %s\n", s.Green("✓"), e.Gate, observationText(e.Observation))
	case plan.EventPosition:
		fmt.Fprintf(p.w, "  %s %s\n", s.Dim("»"), e.Message)
	case plan.EventStepStarted:
		fmt.Fprintf(p.w, "\n%s %s %s\n", s.Bold(fmt.Sprintf("[%d/%d]", e.StepIndex, e.StepCount)), s.Bold(e.Step), e.StepTitle)
	case plan.EventActionSkipped:
		fmt.Fprintf(p.w, "  %s %s %s\n", s.Dim("="), e.Action, s.Dim("(already done: "+e.Message+")"))
	case plan.EventActionStarted:
		fmt.Fprintf(p.w, "  %s %s\n", s.Yellow("→"), e.Action)
	case plan.EventActionDone:
		fmt.Fprintf(p.w, "  %s %s\n", s.Green("✓"), e.Action)
	case plan.EventProgress:
		fmt.Fprintf(p.w, "    %s\n", e.Message)
	case plan.EventGate:
		p.gate(e)
	case plan.EventGatePassed:
		fmt.Fprintf(p.w, "  %s gate %s: %s\n", s.Green("✓"), e.Gate, observationText(e.Observation))
	case plan.EventGateFailed:
		fmt.Fprintf(p.w, "  %s gate %s\n", s.Red("✗"), e.Gate)
	case plan.EventWaiting:
		p.waiting(e)
	case plan.EventStepFinished:
		fmt.Fprintf(p.w, "  %s step %s done\n", s.Green("✓"), e.Step)
	case plan.EventPaused:
		fmt.Fprintf(p.w, "\n%s %s\n", s.Yellow("⏸ paused:"), e.Message)
	case plan.EventWindowClosed:
		fmt.Fprintf(p.w, "\n%s %s\n", s.Yellow("⏹ stopped:"), e.Message)
	case plan.EventInterrupted:
		fmt.Fprintf(p.w, "\n%s %s\n", s.Yellow("⏹ interrupted:"), e.Message)
	case plan.EventRunFailed:
		fmt.Fprintf(p.w, "\n%s %s\n", s.Red("✗ failed:"), e.Message)
	case plan.EventRunFinished:
		msg := "all steps done"
		if e.Message != "" {
			msg = e.Message
		}
		fmt.Fprintf(p.w, "\n%s %s: %s\n", s.Green("✓"), e.Plan, msg)
	}
}

// Stop ends a countdown in progress, clearing its line; a run that returns
// an error before reporting its end leaves one running. Emit may be called
// again after Stop.
func (p *Printer) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopCountdown()
}

// gate prints an observation when its verdict or summary changed, or every
// time when verbose.
func (p *Printer) gate(e plan.Event) {
	key := e.Step + "/" + e.Gate
	text := observationText(e.Observation)
	if p.lastGate[key] == text && p.o.Verbose == 0 {
		return
	}
	p.lastGate[key] = text
	mark := p.pen.Yellow("…")
	if e.Observation != nil && e.Observation.Verdict == verdict.Fail {
		mark = p.pen.Red("…")
	}
	fmt.Fprintf(p.w, "  %s gate %s: %s\n", mark, e.Gate, text)
	if p.o.Verbose > 0 && e.Observation != nil {
		for _, d := range e.Observation.Details {
			fmt.Fprintf(p.w, "      %s\n", d)
		}
	}
}

// waiting prints the wait's end (local time) and what is left, and on a
// terminal starts a countdown that rewrites its line every second.
func (p *Printer) waiting(e plan.Event) {
	until := *e.Until
	fmt.Fprintf(p.w, "  %s waiting until %s (%s): %s\n", p.pen.Yellow("⧗"), until.Local().Format("2006-01-02 15:04:05"),
		until.Sub(p.o.Now()).Round(time.Second), e.Message)
	if !p.o.Terminal {
		return
	}
	stop := make(chan struct{})
	p.stopTick = stop
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.mu.Lock()
				select {
				case <-stop: // stopped while this tick waited for the lock
				default:
					fmt.Fprintf(p.w, "\r    %s left   ", until.Sub(p.o.Now()).Round(time.Second))
				}
				p.mu.Unlock()
			}
		}
	}()
}

// stopCountdown ends the countdown, if any, and clears its line. The caller
// holds p.mu.
func (p *Printer) stopCountdown() {
	if p.stopTick != nil {
		close(p.stopTick)
		p.stopTick = nil
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// observationText renders a gate observation as "verdict: summary" (e.g.
// "pass: 3/3 ingesters ACTIVE"); "" for nil.
func observationText(o *verdict.Observation) string {
	if o == nil {
		return ""
	}
	return o.Verdict.String() + ": " + o.Summary
}

// Style colours text with ANSI SGR codes when true (a terminal, see
// ColorTerminal) and leaves it plain otherwise: the marks of run progress,
// and of the CLI's other human output (plan previews, status).
type Style bool

// Paint wraps text in the SGR code (e.g. "32" green) and a reset.
func (c Style) Paint(code, text string) string {
	if !c {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// Green paints text green (SGR 32): done, passed.
func (c Style) Green(t string) string { return c.Paint("32", t) }

// Red paints text red (SGR 31): failed.
func (c Style) Red(t string) string { return c.Paint("31", t) }

// Yellow paints text yellow (SGR 33): in progress, waiting, paused.
func (c Style) Yellow(t string) string { return c.Paint("33", t) }

// Bold paints text bold (SGR 1): plan and step headings.
func (c Style) Bold(t string) string { return c.Paint("1", t) }

// Dim paints text faint (SGR 2): skipped, already done.
func (c Style) Dim(t string) string { return c.Paint("2", t) }
