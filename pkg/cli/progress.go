package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// style colours text on a terminal and leaves it plain elsewhere.
type style struct{ on bool }

func (s style) wrap(code, text string) string {
	if !s.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}
func (s style) green(t string) string  { return s.wrap("32", t) }
func (s style) red(t string) string    { return s.wrap("31", t) }
func (s style) yellow(t string) string { return s.wrap("33", t) }
func (s style) bold(t string) string   { return s.wrap("1", t) }
func (s style) dim(t string) string    { return s.wrap("2", t) }

// progressPrinter renders run events for people on stderr: the current
// step, each action, gate verdicts as they change, and a countdown for waits
// on a terminal.
type progressPrinter struct {
	mu      sync.Mutex
	w       io.Writer
	st      style
	tty     bool
	verbose int
	now     func() time.Time
	// last verdict printed per gate, to print changes only
	lastGate map[string]string
	stopTick chan struct{}
}

func newProgressPrinter(w io.Writer, tty bool, verbose int, now func() time.Time) *progressPrinter {
	return &progressPrinter{w: w, st: style{on: tty}, tty: tty, verbose: verbose, now: now, lastGate: map[string]string{}}
}

func (p *progressPrinter) Emit(e plan.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopCountdown()
	s := p.st
	switch e.Type {
	case plan.EventRunStarted:
		fmt.Fprintf(p.w, "%s %s (run %s, %s)\n", s.bold("Plan"), e.Plan, e.RunID, e.Message)
	case plan.EventPreflight:
		if e.Gate == "" {
			fmt.Fprintf(p.w, "  %s %s\n", s.yellow("!"), e.Message)
			break
		}
		fmt.Fprintf(p.w, "  %s preflight %s: %s\n", s.green("✓"), e.Gate, obsText(e.Observation))
	case plan.EventPosition:
		fmt.Fprintf(p.w, "  %s %s\n", s.dim("»"), e.Message)
	case plan.EventStepStarted:
		fmt.Fprintf(p.w, "\n%s %s %s\n", s.bold(fmt.Sprintf("[%d/%d]", e.StepIndex, e.StepCount)), s.bold(e.Step), e.StepTitle)
	case plan.EventActionSkipped:
		fmt.Fprintf(p.w, "  %s %s %s\n", s.dim("="), e.Action, s.dim("(already done: "+e.Message+")"))
	case plan.EventActionStarted:
		fmt.Fprintf(p.w, "  %s %s\n", s.yellow("→"), e.Action)
	case plan.EventActionDone:
		fmt.Fprintf(p.w, "  %s %s\n", s.green("✓"), e.Action)
	case plan.EventProgress:
		fmt.Fprintf(p.w, "    %s\n", e.Message)
	case plan.EventGate:
		p.gate(e)
	case plan.EventGatePassed:
		fmt.Fprintf(p.w, "  %s gate %s: %s\n", s.green("✓"), e.Gate, obsText(e.Observation))
	case plan.EventGateFailed:
		fmt.Fprintf(p.w, "  %s gate %s\n", s.red("✗"), e.Gate)
	case plan.EventWaiting:
		p.waiting(e)
	case plan.EventStepFinished:
		fmt.Fprintf(p.w, "  %s step %s done\n", s.green("✓"), e.Step)
	case plan.EventPaused:
		fmt.Fprintf(p.w, "\n%s %s\n", s.yellow("⏸ paused:"), e.Message)
	case plan.EventWindowClosed:
		fmt.Fprintf(p.w, "\n%s %s\n", s.yellow("⏹ stopped:"), e.Message)
	case plan.EventInterrupted:
		fmt.Fprintf(p.w, "\n%s %s\n", s.yellow("⏹ interrupted:"), e.Message)
	case plan.EventRunFailed:
		fmt.Fprintf(p.w, "\n%s %s\n", s.red("✗ failed:"), e.Message)
	case plan.EventRunFinished:
		msg := "all steps done"
		if e.Message != "" {
			msg = e.Message
		}
		fmt.Fprintf(p.w, "\n%s %s: %s\n", s.green("✓"), e.Plan, msg)
	}
}

// gate prints an observation when its verdict or summary changed, or every
// time at -v.
func (p *progressPrinter) gate(e plan.Event) {
	key := e.Step + "/" + e.Gate
	text := obsText(e.Observation)
	if p.lastGate[key] == text && p.verbose == 0 {
		return
	}
	p.lastGate[key] = text
	mark := p.st.yellow("…")
	if e.Observation != nil && e.Observation.Verdict == verdict.Fail {
		mark = p.st.red("…")
	}
	fmt.Fprintf(p.w, "  %s gate %s: %s\n", mark, e.Gate, text)
	if p.verbose > 0 && e.Observation != nil {
		for _, d := range e.Observation.Details {
			fmt.Fprintf(p.w, "      %s\n", d)
		}
	}
}

func (p *progressPrinter) waiting(e plan.Event) {
	until := *e.Until
	fmt.Fprintf(p.w, "  %s waiting until %s (%s): %s\n", p.st.yellow("⧗"), until.Local().Format("2006-01-02 15:04:05"),
		until.Sub(p.now()).Round(time.Second), e.Message)
	if !p.tty {
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
				fmt.Fprintf(p.w, "\r    %s left   ", until.Sub(p.now()).Round(time.Second))
				p.mu.Unlock()
			}
		}
	}()
}

func (p *progressPrinter) stopCountdown() {
	if p.stopTick != nil {
		close(p.stopTick)
		p.stopTick = nil
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func obsText(o *verdict.Observation) string {
	if o == nil {
		return ""
	}
	return o.Verdict.String() + ": " + o.Summary
}

// jsonEvents writes one JSON object per event to w (the -o json stream).
type jsonEvents struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newJSONEvents(w io.Writer) *jsonEvents { return &jsonEvents{enc: json.NewEncoder(w)} }

func (j *jsonEvents) Emit(e plan.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(e)
}

// fanout sends events to several sinks.
type fanout []plan.EventSink

func (f fanout) Emit(e plan.Event) {
	for _, s := range f {
		s.Emit(e)
	}
}

// indent prefixes every line of text.
func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
