package ingestershutdown

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// preflight refuses to start on an unhealthy cluster or too soon after
// another zone, chooses the path, and computes the wait before anything
// changes (a wait that cannot be computed must not be found out after the
// zone is gone).
func (z *Zone) preflight(ctx context.Context, p plan.Progress, sts *appsv1.StatefulSet, targets []podaccess.Target) error {
	if sts.Labels[kube.LabelNoDownscale] == "true" {
		return fmt.Errorf("StatefulSet %s has label %s=true: rollout-operator's no-downscale webhook refuses any scale-down; remove the label first", sts.Name, kube.LabelNoDownscale)
	}
	_, r, err := z.zoneMembers(ctx)
	if err != nil {
		return err
	}
	if bad := z.othersUnhealthy(r); len(bad) > 0 {
		return fmt.Errorf("ingesters outside %s are not all ACTIVE and healthy, so shutting the zone down could lose writes or fail reads: %s; wait for them (mimirctl ring ingester)",
			z.spec.StatefulSet, strings.Join(bad, "; "))
	}
	if err := z.checkSiblings(ctx, sts); err != nil {
		return err
	}
	path, readOnly, err := z.choosePath(ctx, targets)
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

// checkSiblings refuses when another StatefulSet of the same rollout group
// was shut down less than the required wait ago.
func (z *Zone) checkSiblings(ctx context.Context, sts *appsv1.StatefulSet) error {
	group := sts.Labels[kube.LabelRolloutGroup]
	if group == "" {
		return nil
	}
	list, err := z.d.Kube.AppsV1().StatefulSets(z.d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelRolloutGroup + "=" + group})
	if err != nil {
		return fmt.Errorf("list the StatefulSets of rollout group %s: %w", group, err)
	}
	now := z.d.now()
	minBetween, _ := time.ParseDuration(sts.Labels[kube.LabelMinTimeBetweenZonesDownscale])
	for _, other := range list.Items {
		if other.Name == sts.Name {
			continue
		}
		if at, err := time.Parse(time.RFC3339, other.Annotations[AnnotationQueryableAt]); err == nil && now.Before(at) {
			return fmt.Errorf("zone %s was shut down recently: its blocks become queryable at %s (in %s); shutting down %s before then could make samples unqueryable — run again after that time",
				other.Name, at.Format(time.RFC3339), at.Sub(now).Round(time.Second), sts.Name)
		}
		if last, err := time.Parse(time.RFC3339, other.Annotations[kube.AnnotationLastDownscale]); err == nil && minBetween > 0 && now.Before(last.Add(minBetween)) {
			return fmt.Errorf("rollout-operator recorded a downscale of %s at %s and %s requires %s between zones (label %s): run again after %s",
				other.Name, last.Format(time.RFC3339), sts.Name, minBetween, kube.LabelMinTimeBetweenZonesDownscale, last.Add(minBetween).Format(time.RFC3339))
		}
	}
	return nil
}

// choosePath detects read-only support on the first pod and rollout-operator's
// prepare-downscale webhook on the StatefulSet.
func (z *Zone) choosePath(ctx context.Context, targets []podaccess.Target) (Path, bool, error) {
	readOnly := false
	if z.spec.ReadOnly != "never" && len(targets) > 0 {
		status, body, err := podaccess.Get(ctx, z.d.Pods, targets[0], PathPrepareRingDownscale, nil)
		switch {
		case err != nil:
			return "", false, fmt.Errorf("detect read-only support on %s: %w", targets[0], err)
		case status == http.StatusOK:
			readOnly = true
		case status == http.StatusNotFound:
		case status == http.StatusMethodNotAllowed:
			return "", false, fmt.Errorf("pod %s refuses %s (405): the ingesters use ingest storage, whose partitions need the partition downscale procedure, which this action does not do", targets[0].Name, PathPrepareRingDownscale)
		default:
			return "", false, fmt.Errorf("detect read-only support on %s: %s answered %d %s", targets[0], PathPrepareRingDownscale, status, strings.TrimSpace(string(body)))
		}
	}
	pre, err := kube.DetectDownscaleWebhooks(ctx, z.d.Kube, z.d.Namespace, z.d.now())
	if err != nil {
		return "", false, err
	}
	for _, g := range pre.Guards {
		if g.StatefulSet != z.spec.StatefulSet {
			continue
		}
		if g.RefusesNow {
			return "", false, fmt.Errorf("a scale-down of %s would be refused now: %s", g.StatefulSet, g.Explanation)
		}
		if g.Kind == kube.PrepareDownscale {
			return PathFlushThenScale, readOnly, nil
		}
	}
	if readOnly {
		return PathReadOnlyShutdown, true, nil
	}
	return PathShutdownOnly, false, nil
}

// queryableWait reads the wait's inputs from the live components.
func (z *Zone) queryableWait(ctx context.Context) (QueryableWait, error) {
	var w QueryableWait
	for _, in := range []struct {
		sel podaccess.Selector
		key string
		out *ConfigValue
	}{
		{z.spec.Config.Querier, KeyQueryStoreAfter, &w.QueryStoreAfter},
		{z.spec.Config.StoreGateway, KeySyncInterval, &w.SyncInterval},
		{z.spec.Config.Compactor, KeyCleanupInterval, &w.CleanupInterval},
	} {
		v, err := z.readDuration(ctx, in.sel, in.key)
		if err != nil {
			return w, fmt.Errorf("compute the wait after the zone shutdown: %w", err)
		}
		*in.out = v
	}
	return w, nil
}

// readDuration reads key from the first selected pod whose /config answers.
func (z *Zone) readDuration(ctx context.Context, sel podaccess.Selector, key string) (ConfigValue, error) {
	res, err := podaccess.Resolve(ctx, z.d.Kube, z.d.Namespace, sel)
	if err != nil {
		return ConfigValue{}, err
	}
	var problems []string
	for _, t := range res.Targets {
		raw, err := z.d.Observer.Config(ctx, t, key)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		d, err := ParseDuration(raw)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: %v", t.Name, key, err))
			continue
		}
		return ConfigValue{Key: key, Value: d, Pod: t.Name}, nil
	}
	if len(problems) == 0 {
		problems = append(problems, fmt.Sprintf("no running pod matches %s", sel))
	}
	return ConfigValue{}, fmt.Errorf("read %s: %s", key, strings.Join(problems, "; "))
}
