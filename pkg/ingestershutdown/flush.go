package ingestershutdown

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Per-pod progress keys (suffixed with the pod name).
const (
	// keyBaseline is the upload-failure counter and process start time read
	// once, before the run's first flush of the pod: "counter@start".
	keyBaseline = "failures/"
	// keyReported is the counter at the last failure mimirctl reported; a
	// later attempt is judged against it (the user saw those failures).
	keyReported = "failures-reported/"
	// keyFlushed is the time /ingester/flush?wait=true returned, or "retry".
	keyFlushed = "flushed/"
	// keyConfirmed is "counter@start" when the pod was seen, with its TSDBs
	// open, to hold no unshipped block ("" once that no longer holds).
	keyConfirmed = "confirmed/"
	// keyShutDown is the time the pod's ingester service terminated.
	keyShutDown = "shut-down/"
)

// ingesterState is what /ready says of the ingester service.
type ingesterState string

const (
	stateRunning    ingesterState = "running"
	stateStopping   ingesterState = "stopping"
	stateTerminated ingesterState = "terminated"
)

// readyState reads /ready: 503 naming the ingester service Terminated is
// what /ingester/shutdown leaves; 503 counting services Stopping is a
// shutdown under way. Anything else (ready, or not ready for another reason)
// is a running process whose TSDBs are open.
func (z *Zone) readyState(ctx context.Context, t podaccess.Target) (ingesterState, error) {
	state, _, err := z.readyStateAnswer(ctx, t)
	return state, err
}

// readyStateAnswer is readyState with the answer it judged (status and the
// start of the body), for errors that must show why.
func (z *Zone) readyStateAnswer(ctx context.Context, t podaccess.Target) (ingesterState, string, error) {
	status, body, err := podaccess.Get(ctx, z.d.Pods, t, mimir.PathReady, nil)
	if err != nil {
		return "", "", fmt.Errorf("read /ready of %s: %w", t.Name, err)
	}
	text := strings.Join(strings.Fields(string(body)), " ")
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	answer := fmt.Sprintf("%d %q", status, text)
	switch {
	case status == http.StatusServiceUnavailable && strings.Contains(string(body), terminatedServiceFragment):
		return stateTerminated, answer, nil
	case status == http.StatusServiceUnavailable && strings.Contains(string(body), stoppingFragment):
		return stateStopping, answer, nil
	}
	return stateRunning, answer, nil
}

// counter is an upload-failure counter reading tied to the process it came
// from: a restarted process counts again from 0.
type counter struct {
	value float64
	start string // process_start_time_seconds, "" when not exposed
}

func (c counter) String() string {
	return strconv.FormatFloat(c.value, 'f', -1, 64) + "@" + c.start
}

func parseCounter(raw string) (counter, error) {
	v, start, _ := strings.Cut(raw, "@")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return counter{}, fmt.Errorf("recorded upload-failure counter %q is corrupt", raw)
	}
	return counter{value: f, start: start}, nil
}

// since is how many uploads failed between c and now: all of now's when
// the process restarted in between.
func (c counter) since(now counter) float64 {
	if c.start != now.start {
		return now.value
	}
	return now.value - c.value
}

// readCounter reads the upload-failure counter; ok is false when the pod no
// longer exposes it.
func (z *Zone) readCounter(ctx context.Context, t podaccess.Target, extra ...string) (counter, map[string]float64, bool, error) {
	m, err := z.d.Observer.Metrics(ctx, t, append([]string{mimir.MetricUploadFailures, mimir.MetricProcessStart}, extra...)...)
	if err != nil {
		return counter{}, nil, false, err
	}
	v, ok := m[mimir.MetricUploadFailures]
	c := counter{value: v}
	if s, ok := m[mimir.MetricProcessStart]; ok {
		c.start = strconv.FormatFloat(s, 'f', -1, 64)
	}
	return c, m, ok, nil
}

// confirmed reports whether the pod's blocks were seen shipped.
func confirmed(p plan.Progress, t podaccess.Target) bool {
	v, _ := p.Get(keyConfirmed + t.Name)
	return v != ""
}

// flushTimeout bounds each flush and shutdown call.
func (z *Zone) flushTimeout() time.Duration {
	if z.spec.FlushTimeout > 0 {
		return z.spec.FlushTimeout.D()
	}
	return time.Hour
}

// notConfirmed is the refusal for a pod whose ingester stopped before
// mimirctl saw its blocks shipped: its TSDBs are closed, so its metrics no
// longer tell (grafana/mimir#11166).
func (z *Zone) notConfirmed(t podaccess.Target, state ingesterState) error {
	return fmt.Errorf("the ingester of %s is %s but mimirctl never saw, while its TSDBs were open, that it shipped every block: its metrics no longer tell, "+
		"so %s is not scaled down; restart the pod (kubectl delete pod %s -n %s: on start it ships the blocks on its volume), then resume",
		t.Name, state, z.spec.StatefulSet, t.Name, z.d.Namespace)
}

// flush flushes and ships every pod with /ingester/flush?wait=true, whose
// TSDBs stay open so that confirmShipped can see the result. The failure
// counter baseline is read once per run, before the first call.
func (z *Zone) flush(ctx context.Context, p plan.Progress, targets []podaccess.Target) error {
	for _, t := range targets {
		if v, _ := p.Get(keyFlushed + t.Name); v != "" && v != "retry" {
			continue
		}
		state, err := z.readyState(ctx, t)
		if err != nil {
			return err
		}
		if state != stateRunning {
			if confirmed(p, t) {
				continue // confirmed, then shut down by an earlier run
			}
			return z.notConfirmed(t, state)
		}
		if _, ok := p.Get(keyBaseline + t.Name); !ok {
			c, _, _, err := z.readCounter(ctx, t)
			if err != nil {
				return fmt.Errorf("read %s before flushing: %w", t.Name, err)
			}
			if err := p.Set(ctx, keyBaseline+t.Name, c.String()); err != nil {
				return err
			}
		}
		start := p.Now()
		p.Report(fmt.Sprintf("%s: POST %s (compacts the TSDB heads and ships every block; up to %s)", t.Name, mimir.PathFlushWait, z.flushTimeout()))
		if _, err := postLong(ctx, z.d, t, mimir.PathFlushWait, z.flushTimeout()); err != nil {
			return fmt.Errorf("flush %s: %w; resume to flush again", t.Name, err)
		}
		p.Report(fmt.Sprintf("%s: flushed in %s", t.Name, p.Now().Sub(start).Round(time.Millisecond)))
		if err := p.Set(ctx, keyFlushed+t.Name, p.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return nil
}

// confirmShipped checks, while every pod's TSDBs are open, that no block is
// left unshipped and no upload failed since the run's baseline (or since the
// failures mimirctl last reported). A pod that fails is flushed again on the
// next run; nothing is stopped.
func (z *Zone) confirmShipped(ctx context.Context, p plan.Progress, targets []podaccess.Target) error {
	var bad []string
	for _, t := range targets {
		if confirmed(p, t) {
			continue
		}
		if state, err := z.readyState(ctx, t); err != nil {
			return err
		} else if state != stateRunning {
			return z.notConfirmed(t, state)
		}
		now, m, exposed, err := z.readCounter(ctx, t, mimir.MetricOldestUnshippedBlock)
		if err != nil {
			return fmt.Errorf("confirm %s shipped its blocks: %w", t.Name, err)
		}
		why, err := z.shippedProblems(p, t, now, m, exposed)
		if err != nil {
			return err
		}
		if len(why) == 0 {
			if err := p.Set(ctx, keyConfirmed+t.Name, now.String()); err != nil {
				return err
			}
			continue
		}
		bad = append(bad, strings.Join(why, " and "))
		if err := p.Set(ctx, keyReported+t.Name, now.String()); err != nil {
			return err
		}
		if err := p.Set(ctx, keyFlushed+t.Name, "retry"); err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("not every ingester of %s shipped its blocks, so nothing was stopped: %s; check the object storage, then resume (mimirctl flushes again "+
			"and goes on once no block is left unshipped and no further upload fails)", z.spec.StatefulSet, strings.Join(bad, "; "))
	}
	p.Report(fmt.Sprintf("all %d ingesters of %s shipped every block (seen with their TSDBs open)", len(targets), z.spec.StatefulSet))
	return nil
}

// shippedProblems judges one pod's metrics against its recorded baseline.
func (z *Zone) shippedProblems(p plan.Progress, t podaccess.Target, now counter, m map[string]float64, exposed bool) ([]string, error) {
	ref, err := z.failureReference(p, t)
	if err != nil {
		return nil, err
	}
	var why []string
	switch unshipped, ok := m[mimir.MetricOldestUnshippedBlock]; {
	case !ok:
		why = append(why, t.Name+" does not expose "+mimir.MetricOldestUnshippedBlock)
	case unshipped != 0:
		why = append(why, t.Name+" still holds an unshipped block from "+time.Unix(int64(unshipped), 0).UTC().Format(time.RFC3339))
	}
	if !exposed {
		why = append(why, t.Name+" does not expose "+mimir.MetricUploadFailures)
	} else if failed := ref.since(now); failed > 0 {
		why = append(why, fmt.Sprintf("%s failed on %s during the flush (counter %g → %g since %s)",
			plural(failed, "block upload"), t.Name, ref.value, now.value, ref.what))
	}
	return why, nil
}

// failureRef is the counter reading new failures are counted from.
type failureRef struct {
	counter
	what string
}

func (z *Zone) failureReference(p plan.Progress, t podaccess.Target) (failureRef, error) {
	if raw, ok := p.Get(keyReported + t.Name); ok {
		c, err := parseCounter(raw)
		return failureRef{c, "mimirctl last reported failures"}, err
	}
	raw, ok := p.Get(keyBaseline + t.Name)
	if !ok {
		return failureRef{}, fmt.Errorf("no upload-failure baseline was recorded for %s before its flush; the run state is incomplete", t.Name)
	}
	c, err := parseCounter(raw)
	return failureRef{c, "the run started"}, err
}

func plural(n float64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%g %ss", n, what)
}
