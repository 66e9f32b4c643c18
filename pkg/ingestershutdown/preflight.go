package ingestershutdown

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// preflight refuses to start on an unhealthy cluster or too soon after
// another zone, chooses the path, and computes the wait before anything
// changes (a wait that cannot be computed must not be found out after the
// zone is gone).
func (z *Zone) preflight(ctx context.Context, p plan.Progress, sts *appsv1.StatefulSet, targets []podaccess.Target) error {
	if err := z.checkOthersHealthy(ctx, p, targets, momentStart); err != nil {
		return err
	}
	pre, err := z.checkRolloutOperator(ctx, sts, p.Now())
	if err != nil {
		return err
	}
	path, readOnly, err := z.choosePath(ctx, targets, pre)
	if err != nil {
		return err
	}
	wait, err := z.queryableWait(ctx)
	if err != nil {
		return err
	}
	if err := p.Set(ctx, keyReadOnly, strconv.FormatBool(readOnly)); err != nil {
		return err
	}
	if err := p.Set(ctx, keyWait, wait.Duration().String()); err != nil {
		return err
	}
	if err := p.Set(ctx, keyWaitWhy, wait.String()); err != nil {
		return err
	}
	return p.Set(ctx, keyPath, string(path))
}

// Moments at which the other zones' health is checked.
const (
	momentStart  = "start"
	momentResume = "resume"
	momentScale  = "scale-down"
)

// checkOthersHealthy refuses while an ingester outside the zone is not ACTIVE
// and healthy, or is read-only: with another zone degraded, the series it
// holds would be left with one healthy replica once this zone goes
// (grafana/mimir#5978). It refuses too while a ring instance is no pod of
// the namespace (another system's member, see othersUnhealthy). It runs before the first change, at every resume,
// before the ingesters are shut down and right before the scale-down.
func (z *Zone) checkOthersHealthy(ctx context.Context, p plan.Progress, targets []podaccess.Target, moment string) error {
	_, r, err := z.zoneMembers(ctx)
	if err != nil {
		return err
	}
	bad, err := z.othersUnhealthy(ctx, r, p.Now())
	if err != nil {
		return err
	}
	if len(bad) == 0 {
		return nil
	}
	if moment == momentStart {
		return fmt.Errorf("ingesters outside %s are not all ACTIVE, healthy pods of namespace %s, so shutting the zone down could lose writes or fail reads: %s; "+
			"wait for them, or do what each says (%s)", z.spec.StatefulSet, z.d.Namespace, strings.Join(bad, "; "), invocation.Command("ring", "ingester"))
	}
	return fmt.Errorf("%s; not stopping %s while another zone is degraded: %s; resume once every ingester outside the zone is an ACTIVE, healthy and "+
		"writable pod of namespace %s (%s)", strings.Join(bad, "; "), z.spec.StatefulSet, zoneState(p, targets), z.d.Namespace, invocation.Command("ring", "ingester"))
}

// zoneState says where the zone stands, for refusals after the first change.
func zoneState(p plan.Progress, targets []podaccess.Target) string {
	switch {
	case anyRecorded(p, keyShutDown, targets):
		return "some of its ingesters are shut down (their pods keep running and hold their data on their volumes); resuming finishes the shutdown"
	case anyRecorded(p, "read-only/", targets):
		return fmt.Sprintf("its ingesters are read-only and take no writes (nothing is lost); to abandon the shutdown instead, send DELETE %s to each of its pods", mimir.PathPrepareRingDownscale)
	}
	return "nothing was changed yet"
}

// anyRecorded reports whether some pod has a value under prefix.
func anyRecorded(p plan.Progress, prefix string, targets []podaccess.Target) bool {
	for _, t := range targets {
		if v, _ := p.Get(prefix + t.Name); v != "" {
			return true
		}
	}
	return false
}

// checkRolloutOperator refuses when rollout-operator would refuse, undo or
// spread the scale-down (its webhooks, its zone tracker, its replica
// controller), or when a sibling zone's blocks are not queryable yet. It
// runs before the first change and again right before the scale-down.
func (z *Zone) checkRolloutOperator(ctx context.Context, sts *appsv1.StatefulSet, now time.Time) (*kube.Preflight, error) {
	if sts.Labels[kube.LabelNoDownscale] == "true" {
		return nil, fmt.Errorf("StatefulSet %s has label %s=true: rollout-operator's no-downscale webhook refuses any scale-down; remove the label first", sts.Name, kube.LabelNoDownscale)
	}
	pre, err := kube.DetectDownscaleWebhooks(ctx, z.d.Kube, z.d.Namespace, now)
	if err != nil {
		return nil, err
	}
	if len(pre.Unseen) > 0 {
		return nil, fmt.Errorf("cannot tell whether rollout-operator would refuse, undo or spread the scale-down of %s: %s; grant mimirctl those permissions (see its RBAC) and run again",
			sts.Name, strings.Join(pre.Unseen, "; "))
	}
	for _, g := range pre.ForStatefulSet(sts.Name) {
		switch {
		case g.DirectScaleUnsafe:
			return nil, fmt.Errorf("mimirctl does not scale %s down: %s", sts.Name, g.Explanation)
		case g.RefusesNow:
			return nil, fmt.Errorf("a scale-down of %s would be refused now: %s", sts.Name, g.Explanation)
		}
	}
	if err := z.checkSiblings(sts, pre, now); err != nil {
		return nil, err
	}
	return pre, nil
}

// checkSiblings refuses when another StatefulSet was shut down less than
// the required wait ago: mimirctl's own record of when its blocks become
// queryable (any StatefulSet of the namespace: during a migration two
// rollout groups share the ingester ring), and rollout-operator's record of
// its last downscale (annotation or zone tracker ConfigMap) with the minimum
// time between zone downscales. A sibling that is not fully ready is
// refused too: its missing ingesters are not in the ring to be counted as
// unhealthy. The siblings are the StatefulSets of the rollout group; a
// StatefulSet of no rollout group (the old ingesters of a move to zones,
// which Mimir's jsonnet renders without one) has as siblings the
// StatefulSets whose pods ringPods selects (the zones that take over).
func (z *Zone) checkSiblings(sts *appsv1.StatefulSet, pre *kube.Preflight, now time.Time) error {
	group := sts.Labels[kube.LabelRolloutGroup]
	for i := range pre.StatefulSets {
		other := &pre.StatefulSets[i]
		if other.Name == sts.Name {
			continue
		}
		switch raw := other.Annotations[AnnotationQueryableAt]; {
		case raw == queryablePending:
			return fmt.Errorf("zone %s was scaled down by a mimirctl run that has not finished waiting for its blocks to be queryable; resume that run (%s) before shutting down %s",
				other.Name, invocation.Command("status"), sts.Name)
		case raw != "":
			if at, err := time.Parse(time.RFC3339, raw); err == nil && now.Before(at) {
				return fmt.Errorf("zone %s was shut down recently: its blocks become queryable at %s (in %s); shutting down %s before then could make samples unqueryable — run again after that time",
					other.Name, at.Format(time.RFC3339), at.Sub(now).Round(time.Second), sts.Name)
			}
		}
		sibling, err := z.sibling(group, other)
		if err != nil {
			return err
		}
		if want := ptrOr(other.Spec.Replicas, 1); sibling != "" && other.Status.ReadyReplicas < want {
			return fmt.Errorf("StatefulSet %s (%s) has %d of %d pods ready: its missing ingesters may be absent from the ring rather than unhealthy; wait for it before shutting down %s",
				other.Name, sibling, other.Status.ReadyReplicas, want, sts.Name)
		}
	}
	if _, why := kube.ZoneDownscaleBlock(sts, pre.StatefulSets, pre.ZoneTracker, now); why != "" {
		return fmt.Errorf("not shutting down %s: %s", sts.Name, why)
	}
	return nil
}

// sibling says why other is a sibling of the zone's StatefulSet, whose
// rollout group is group, or "" when it is none (see checkSiblings).
func (z *Zone) sibling(group string, other *appsv1.StatefulSet) (string, error) {
	if group != "" {
		if other.Labels[kube.LabelRolloutGroup] == group {
			return "of rollout group " + group, nil
		}
		return "", nil
	}
	ok, err := z.spec.RingPods.SelectsTemplate(other.Name+"-0", &other.Spec.Template)
	if err != nil {
		return "", fmt.Errorf("ringPods: %w", err)
	}
	if ok {
		return "its pods serve the ingester ring (ringPods)", nil
	}
	return "", nil
}

// choosePath detects read-only support on the first pod and rollout-operator's
// prepare-downscale webhook on the StatefulSet.
func (z *Zone) choosePath(ctx context.Context, targets []podaccess.Target, pre *kube.Preflight) (Path, bool, error) {
	readOnly := false
	if z.spec.ReadOnly != "never" && len(targets) > 0 {
		status, body, err := podaccess.Get(ctx, z.d.Pods, targets[0], mimir.PathPrepareRingDownscale, nil)
		switch {
		case err != nil:
			return "", false, fmt.Errorf("detect read-only support on %s: %w", targets[0], err)
		case status == http.StatusOK:
			readOnly = true
		case status == http.StatusNotFound:
		case status == http.StatusMethodNotAllowed:
			return "", false, fmt.Errorf("pod %s refuses %s (405): the ingesters use ingest storage, whose partitions need the partition downscale procedure, which this action does not do", targets[0].Name, mimir.PathPrepareRingDownscale)
		default:
			return "", false, fmt.Errorf("detect read-only support on %s: %s answered %d %s", targets[0], mimir.PathPrepareRingDownscale, status, strings.TrimSpace(string(body)))
		}
	}
	for _, g := range pre.ForStatefulSet(z.spec.StatefulSet) {
		if g.Kind == kube.PrepareDownscale {
			return PathFlushThenScale, readOnly, nil
		}
	}
	if readOnly {
		return PathReadOnlyShutdown, true, nil
	}
	return PathShutdownOnly, false, nil
}

// queryableWait reads the wait's inputs from the live components: each one
// the largest value over every selected pod.
func (z *Zone) queryableWait(ctx context.Context) (QueryableWait, error) {
	var w QueryableWait
	cfg := z.spec.Config
	for _, in := range []struct {
		sel      podaccess.Selector
		key      string
		out      *ConfigValue
		optional bool
	}{
		{cfg.Querier, mimir.KeyQueryStoreAfter, &w.QueryStoreAfter, false},
		{cfg.Ruler, mimir.KeyQueryStoreAfter, &w.QueryStoreAfter, true},
		{cfg.StoreGateway, mimir.KeyIgnoreBlocksWithin, &w.IgnoreBlocksWithin, false},
		{cfg.StoreGateway, mimir.KeySyncInterval, &w.SyncInterval, false},
		{cfg.Compactor, mimir.KeyCleanupInterval, &w.CleanupInterval, false},
	} {
		if in.optional && in.sel == (podaccess.Selector{}) {
			continue
		}
		v, err := z.readDuration(ctx, in.sel, in.key, in.optional)
		if err != nil {
			return w, fmt.Errorf("compute the wait after the zone shutdown: %w", err)
		}
		if v.Value > in.out.Value || in.out.Pods == 0 {
			v.Pods += in.out.Pods
			*in.out = v
		} else {
			in.out.Pods += v.Pods
		}
	}
	return w, nil
}

// readDuration reads key from every selected pod and returns the largest
// value (see LargestDuration).
func (z *Zone) readDuration(ctx context.Context, sel podaccess.Selector, key string, optional bool) (ConfigValue, error) {
	return LargestDuration(ctx, Pods{Kube: z.d.Kube, Namespace: z.d.Namespace, Config: z.d.Observer}, sel, key, optional)
}

// LargestDuration reads the duration at key (a dotted /config path such as
// "querier.query_store_after", in Go's or Prometheus's form, see
// ParseDuration) from every pod sel selects in d.Namespace, through
// d.Observer.Config, and returns the largest value with the pod holding it.
// A selected pod that is not running (unless it is terminating), whose
// /config cannot be read or has no such key fails the whole read: the value
// it holds could be the largest. Selecting no pod is an error unless
// optional (then Pods is 0).
func LargestDuration(ctx context.Context, p Pods, sel podaccess.Selector, key string, optional bool) (ConfigValue, error) {
	out := ConfigValue{Key: key}
	n, err := readEvery(ctx, p, sel, key, func(t podaccess.Target, raw string) error {
		d, err := ParseDuration(raw)
		if err != nil {
			return err
		}
		if out.Pod == "" || d > out.Value {
			out.Value, out.Pod = d, t.Name
		}
		return nil
	})
	if err != nil {
		return ConfigValue{}, err
	}
	out.Pods = n
	if out.Pods == 0 && !optional {
		return ConfigValue{}, fmt.Errorf("read %s: no running pod matches %s", key, sel)
	}
	return out, nil
}

// readEvery reads key from the /config of every pod sel selects and hands
// each raw value to use; it returns how many pods were read. A selected pod
// that is not running, whose /config cannot be read, or whose value use
// rejects fails the whole read (what it holds is unknown, so no extreme
// over the pods can be trusted); selecting no pod is not an error here. A
// terminating pod is left out: no Service sends it new queries or series,
// so its settings bound nothing that follows (a scale-down of mimir-read a
// step earlier left one behind while a zone shutdown computed its wait).
func readEvery(ctx context.Context, p Pods, sel podaccess.Selector, key string, use func(t podaccess.Target, raw string) error) (int, error) {
	if p.Kube == nil || p.Config == nil {
		return 0, fmt.Errorf("read %s from %s: built without a Kubernetes client or a /config reader", key, sel)
	}
	res, err := podaccess.Resolve(ctx, p.Kube, p.Namespace, sel)
	if err != nil {
		return 0, err
	}
	var problems []string
	for _, nr := range res.NotReady {
		if name, _, _ := strings.Cut(nr, ":"); !slices.Contains(res.Terminating, name) {
			problems = append(problems, "pod "+nr)
		}
	}
	n := 0
	for _, t := range res.Targets {
		raw, err := p.Config.Config(ctx, t, key)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if err := use(t, raw); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: %v", t.Name, key, err))
			continue
		}
		n++
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("read %s from every pod of %s: %s", key, sel, strings.Join(problems, "; "))
	}
	return n, nil
}
