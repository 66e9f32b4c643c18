package ingestershutdown

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// HeadCompactionSpec is the `ingesterHeadCompaction` action: wait until every
// selected ingester has compacted its TSDB head and shipped the result after
// the moment the step started (the migration doc's "wait the next TSDB head
// compaction"), or, with forceFlush (--force-flush), flush them now.
type HeadCompactionSpec struct {
	Pods       podaccess.Selector `yaml:"pods" json:"pods"`
	ForceFlush bool               `yaml:"forceFlush,omitempty" json:"forceFlush,omitempty"`
	// MaxWait bounds the wait (default: computed from the ingesters' block
	// range, idle timeout and ship interval read from /config).
	MaxWait duration.Duration `yaml:"maxWait,omitempty" json:"maxWait,omitempty"`
}

// Validate checks the spec.
func (s *HeadCompactionSpec) Validate() error {
	if err := s.Pods.Validate(); err != nil {
		return fmt.Errorf("pods: %w", err)
	}
	return nil
}

// Describe says what the action waits for.
func (s *HeadCompactionSpec) Describe() string {
	if s.ForceFlush {
		return fmt.Sprintf("flush the TSDB heads of %s and confirm every block shipped", s.Pods)
	}
	return fmt.Sprintf("wait for the next TSDB head compaction of %s and its upload", s.Pods)
}

// HeadCompaction runs a HeadCompactionSpec.
type HeadCompaction struct {
	spec  *HeadCompactionSpec
	d     Deps
	force bool
}

var _ plan.Action = (*HeadCompaction)(nil)

// NewHeadCompaction returns the action; force overrides the spec's
// forceFlush (the --force-flush flag).
func NewHeadCompaction(spec *HeadCompactionSpec, d Deps, force bool) *HeadCompaction {
	return &HeadCompaction{spec: spec, d: d, force: force || spec.ForceFlush}
}

// podSnapshot is what an ingester reported when the wait started.
type podSnapshot struct {
	Compactions, Uploads, Failures, Users float64
}

func (s podSnapshot) String() string {
	return fmt.Sprintf("%g,%g,%g,%g", s.Compactions, s.Uploads, s.Failures, s.Users)
}

func parseSnapshot(v string) (podSnapshot, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return podSnapshot{}, fmt.Errorf("recorded snapshot %q is corrupt", v)
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return podSnapshot{}, fmt.Errorf("recorded snapshot %q is corrupt", v)
		}
		f[i] = x
	}
	return podSnapshot{f[0], f[1], f[2], f[3]}, nil
}

// Check never says done ahead of time: a compaction is only meaningful
// after the moment the step starts.
func (h *HeadCompaction) Check(context.Context) (bool, string, error) {
	if h.force {
		return false, "will flush the ingesters' heads (--force-flush)", nil
	}
	return false, "waits for the next head compaction (up to the block range); --force-flush flushes instead", nil
}

var headMetrics = []string{mimir.MetricCompactions, mimir.MetricUploads, mimir.MetricUploadFailures, mimir.MetricMemoryUsers, mimir.MetricOldestUnshippedBlock}

// Apply records a snapshot of every ingester, flushes when forced, and waits
// until each has compacted and shipped since the snapshot.
func (h *HeadCompaction) Apply(ctx context.Context, p plan.Progress) error {
	res, err := podaccess.Resolve(ctx, h.d.Kube, h.d.Namespace, h.spec.Pods)
	if err != nil {
		return err
	}
	if len(res.NotReady) > 0 || len(res.Targets) == 0 {
		return fmt.Errorf("%s: need every ingester running, found %d running (%s)", h.spec.Pods, len(res.Targets), strings.Join(res.NotReady, "; "))
	}
	for _, t := range res.Targets {
		if _, ok := p.Get("snapshot/" + t.Name); ok {
			continue
		}
		m, err := h.d.Observer.Metrics(ctx, t, headMetrics...)
		if err != nil {
			return err
		}
		snap := podSnapshot{m[mimir.MetricCompactions], m[mimir.MetricUploads], m[mimir.MetricUploadFailures], m[mimir.MetricMemoryUsers]}
		if err := p.Set(ctx, "snapshot/"+t.Name, snap.String()); err != nil {
			return err
		}
	}
	if h.force {
		if err := h.flushAll(ctx, p, res.Targets); err != nil {
			return err
		}
	}
	return h.waitCompacted(ctx, p, res.Targets)
}

// flushTimeout bounds each flush: the spec's maxWait, else an hour.
func (h *HeadCompaction) flushTimeout() time.Duration {
	if h.spec.MaxWait > 0 {
		return h.spec.MaxWait.D()
	}
	return time.Hour
}

// flushAll flushes every ingester with /ingester/flush?wait=true through
// the client without a request timeout; waitCompacted then judges the result
// from the metrics while the TSDBs are open.
func (h *HeadCompaction) flushAll(ctx context.Context, p plan.Progress, targets []podaccess.Target) error {
	for _, t := range targets {
		key := "flushed/" + t.Name
		if _, done := p.Get(key); done {
			continue
		}
		p.Report(fmt.Sprintf("%s: POST %s", t.Name, mimir.PathFlushWait))
		if _, err := postLong(ctx, h.d, t, mimir.PathFlushWait, h.flushTimeout()); err != nil {
			return fmt.Errorf("flush %s: %w; resume to flush again", t.Name, err)
		}
		if err := p.Set(ctx, key, p.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return nil
}

// compacted judges one ingester against its snapshot.
func compacted(snap podSnapshot, m map[string]float64) (bool, string) {
	switch {
	case m[mimir.MetricUploadFailures] > snap.Failures:
		return false, fmt.Sprintf("%g block uploads failed", m[mimir.MetricUploadFailures]-snap.Failures)
	case snap.Users == 0:
		return true, "held no tenant's data"
	case m[mimir.MetricOldestUnshippedBlock] != 0:
		return false, "a block is not shipped yet"
	case m[mimir.MetricCompactions]-snap.Compactions < snap.Users:
		return false, fmt.Sprintf("%g of %g tenant heads compacted", m[mimir.MetricCompactions]-snap.Compactions, snap.Users)
	case m[mimir.MetricUploads] <= snap.Uploads:
		return false, "compacted, no block uploaded yet"
	}
	return true, "compacted and shipped"
}

func (h *HeadCompaction) waitCompacted(ctx context.Context, p plan.Progress, targets []podaccess.Target) error {
	limit, err := h.maxWait(ctx, p, targets[0])
	if err != nil {
		return err
	}
	since := p.Now()
	last := ""
	for {
		var pending []string
		for _, t := range targets {
			raw, _ := p.Get("snapshot/" + t.Name)
			snap, err := parseSnapshot(raw)
			if err != nil {
				return err
			}
			m, err := h.d.Observer.Metrics(ctx, t, headMetrics...)
			if err != nil {
				return err
			}
			if ok, why := compacted(snap, m); !ok {
				pending = append(pending, t.Name+": "+why)
			}
		}
		if len(pending) == 0 {
			p.Report(fmt.Sprintf("all %d ingesters compacted their heads and shipped the blocks", len(targets)))
			return nil
		}
		if msg := strings.Join(pending, "; "); msg != last {
			p.Report(msg)
			last = msg
		}
		if p.Now().Sub(since) > limit {
			return fmt.Errorf("no complete head compaction within %s: %s; resume to keep waiting, or use --force-flush", limit, strings.Join(pending, "; "))
		}
		if err := h.d.sleep(ctx, p); err != nil {
			return err
		}
	}
}

// maxWait is the spec's bound, or the longest a head can go uncompacted:
// 1.5 block ranges of appends (or the idle timeout with its 25% jitter),
// plus two compaction checks and a ship interval.
func (h *HeadCompaction) maxWait(ctx context.Context, p plan.Progress, t podaccess.Target) (time.Duration, error) {
	if h.spec.MaxWait > 0 {
		return h.spec.MaxWait.D(), nil
	}
	if v, ok := p.Get("max-wait"); ok {
		return time.ParseDuration(v)
	}
	read := func(key string) (time.Duration, error) {
		raw, err := h.d.Observer.Config(ctx, t, key)
		if err != nil {
			return 0, err
		}
		raw = strings.Trim(strings.TrimSpace(raw), "[]-")
		first, _, _ := strings.Cut(raw, ",")
		return ParseDuration(first)
	}
	var errs []error
	vals := map[string]time.Duration{}
	for _, k := range []string{mimir.KeyBlockRanges, mimir.KeyHeadCompactIdle, mimir.KeyHeadCompactEvery, mimir.KeyShipInterval} {
		d, err := read(k)
		errs = append(errs, err)
		vals[k] = d
	}
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("read the ingesters' compaction settings from %s: %w", t.Name, err)
	}
	limit := max(vals[mimir.KeyBlockRanges]*3/2, vals[mimir.KeyHeadCompactIdle]*5/4) + 2*vals[mimir.KeyHeadCompactEvery] + vals[mimir.KeyShipInterval]
	return limit, p.Set(ctx, "max-wait", limit.String())
}
