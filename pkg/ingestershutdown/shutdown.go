package ingestershutdown

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// shutdown stops every confirmed pod's ingester with /ingester/shutdown (it
// flushes what arrived since the confirmed flush, ships it and leaves the
// ring) and waits for the service to terminate. A call cut short (Ctrl-C, a
// proxy error) is not repeated while the ingester is still stopping: /ready
// is polled instead. Upload failures during the shutdown are read from the
// counter, which outlives the TSDBs; a pod that had one is not stopped.
func (z *Zone) shutdown(ctx context.Context, p plan.Progress, targets []podaccess.Target) error {
	for _, t := range targets {
		if v, _ := p.Get(keyShutDown + t.Name); v != "" {
			continue
		}
		state, err := z.readyState(ctx, t)
		if err != nil {
			return err
		}
		if state == stateRunning {
			p.Report(fmt.Sprintf("%s: POST %s (flushes what arrived since the flush, ships it, leaves the ring)", t.Name, mimir.PathShutdown))
			if _, err := postLong(ctx, z.d, t, mimir.PathShutdown, z.flushTimeout()); err != nil {
				if ctx.Err() != nil {
					return err
				}
				p.Report(fmt.Sprintf("%s: %v; following /ready instead", t.Name, err))
			}
		}
		if err := z.waitTerminated(ctx, p, t, p.Now().Add(readinessLag)); err != nil {
			return err
		}
		if err := z.checkShutdownUploads(ctx, p, t); err != nil {
			return err
		}
		if err := p.Set(ctx, keyShutDown+t.Name, p.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return nil
}

// readinessLag is how long /ready may still count an ingester as running
// after /ingester/shutdown answered. Mimir's handler returns once the
// ingester service has terminated, but /ready asks dskit's services.Manager,
// which hears of state changes through one goroutine per listener
// (services.BasicService.AddListener), and the module wrapper around the
// ingester terminates in its own goroutine too: on a loaded node the first
// GET after the 204 can still answer 200 "ready".
const readinessLag = 30 * time.Second

// waitTerminated polls /ready until the ingester service has terminated.
// Until runningUntil, an answer that counts it running is taken as /ready
// lagging behind the stop; after it, as a stop that did not happen.
func (z *Zone) waitTerminated(ctx context.Context, p plan.Progress, t podaccess.Target, runningUntil time.Time) error {
	deadline := p.Now().Add(z.flushTimeout())
	reported := false
	for {
		state, answer, err := z.readyStateAnswer(ctx, t)
		if err != nil {
			return err
		}
		switch {
		case state == stateTerminated:
			return nil
		case state == stateRunning && !p.Now().Before(runningUntil):
			return fmt.Errorf("%s: %s did not stop its ingester (/ready still reports it running %s after the call: %s); resume to call it again",
				t.Name, mimir.PathShutdown, readinessLag, answer)
		}
		if state == stateStopping && !reported {
			p.Report(fmt.Sprintf("%s: the ingester is stopping (flushing and shipping)", t.Name))
			reported = true
		}
		if p.Now().After(deadline) {
			return fmt.Errorf("%s: the ingester is still stopping after %s (flushTimeout); resume to keep waiting", t.Name, z.flushTimeout())
		}
		if err := z.d.sleep(ctx, p); err != nil {
			return err
		}
	}
}

// errShutdownUpload marks an upload that failed during /ingester/shutdown.
var errShutdownUpload = errors.New("upload failed during shutdown")

// checkShutdownUploads compares the upload-failure counter after the
// shutdown with the one confirmed before it.
func (z *Zone) checkShutdownUploads(ctx context.Context, p plan.Progress, t podaccess.Target) error {
	now, _, exposed, err := z.readCounter(ctx, t)
	if err != nil {
		return fmt.Errorf("read %s after its shutdown: %w", t.Name, err)
	}
	raw, _ := p.Get(keyConfirmed + t.Name)
	if raw == "" {
		return z.notConfirmed(t, stateTerminated)
	}
	confirmed, err := parseCounter(raw)
	if err != nil {
		return err
	}
	if !exposed {
		p.Report(fmt.Sprintf("%s no longer exposes %s after its shutdown: its blocks were seen shipped at the flush, with its TSDBs open", t.Name, mimir.MetricUploadFailures))
		return nil
	}
	if failed := confirmed.since(now); failed > 0 {
		// What was seen shipped no longer covers the pod: flush and confirm
		// again once it runs anew.
		if err := p.Set(ctx, keyConfirmed+t.Name, ""); err != nil {
			return err
		}
		if err := p.Set(ctx, keyFlushed+t.Name, "retry"); err != nil {
			return err
		}
		return fmt.Errorf("%w: %s failed on %s during its shutdown (counter %g → %g), so %s is not scaled down; its blocks stay on its volume: "+
			"restart the pod (kubectl delete pod %s -n %s: on start it ships them), then resume", errShutdownUpload,
			plural(failed, "block upload"), t.Name, confirmed.value, now.value, z.spec.StatefulSet, t.Name, z.d.Namespace)
	}
	return nil
}

// verifyStillCovered checks, right before the scale-down, that every pod is
// still the process mimirctl saw ship its blocks (and, on the shutdown
// paths, stop): a pod restarted since (an eviction, an OOM kill) runs a new
// head that takes writes and would be stopped unflushed. Such a pod's records
// are cleared and the step stops; a resume puts it read-only, flushes and
// confirms it again.
func (z *Zone) verifyStillCovered(ctx context.Context, p plan.Progress, targets []podaccess.Target, path Path) error {
	var restarted []string
	for _, t := range targets {
		covered, err := z.stillCovered(ctx, p, t, path)
		if err != nil {
			return err
		}
		if covered {
			continue
		}
		restarted = append(restarted, t.Name)
		for _, k := range []string{"read-only/", keyFlushed, keyConfirmed, keyShutDown} {
			if err := p.Set(ctx, k+t.Name, ""); err != nil {
				return err
			}
		}
	}
	if len(restarted) > 0 {
		return fmt.Errorf("%s restarted after mimirctl saw its blocks shipped: the new process holds writes that were never flushed, so %s is not scaled down; "+
			"resume to put it read-only, flush and confirm it again", strings.Join(restarted, ", "), z.spec.StatefulSet)
	}
	return nil
}

// stillCovered reports whether t is the process whose blocks were confirmed.
func (z *Zone) stillCovered(ctx context.Context, p plan.Progress, t podaccess.Target, path Path) (bool, error) {
	raw, _ := p.Get(keyConfirmed + t.Name)
	if raw == "" {
		return false, nil
	}
	confirmedAt, err := parseCounter(raw)
	if err != nil {
		return false, err
	}
	state, err := z.readyState(ctx, t)
	if err != nil {
		return false, err
	}
	if path != PathFlushThenScale {
		return state != stateRunning, nil // shut down: running again means restarted
	}
	now, _, _, err := z.readCounter(ctx, t)
	if err != nil {
		return false, fmt.Errorf("read %s before the scale-down: %w", t.Name, err)
	}
	return state == stateRunning && now.start == confirmedAt.start, nil
}
