package kube

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

// guard explains what webhook wh will do to scale-downs of sts; ok is false
// when wh leaves sts alone.
func guard(wh DownscaleWebhook, sts *appsv1.StatefulSet, all []appsv1.StatefulSet, zt ZoneTracker, now time.Time) (DownscaleGuard, bool) {
	g := DownscaleGuard{StatefulSet: sts.Name, Kind: wh.Kind}
	switch wh.Kind {
	case NoDownscale:
		if sts.Labels[LabelNoDownscale] != "true" {
			return g, false
		}
		g.RefusesNow = true
		g.Explanation = fmt.Sprintf("%s (%s) refuses any replica decrease of StatefulSet %s because it is labelled %s=true; "+
			"remove the label to scale it down", wh.Webhook, wh.Configuration, sts.Name, LabelNoDownscale)
		return g, true
	case PrepareDownscale:
		if sts.Labels[LabelPrepareDownscale] != "true" {
			return g, false
		}
		g.Explanation, g.RefusesNow = prepareExplanation(wh, sts, zt)
		if group := sts.Labels[LabelRolloutGroup]; group != "" && !g.RefusesNow {
			g.Explanation += fmt.Sprintf("; it also refuses while another StatefulSet of rollout-group %s was scaled down less than "+
				"its %s ago, or has non-updated or non-ready pods", group, LabelMinTimeBetweenZonesDownscale)
			notes, until := groupState(sts, all, zt, now)
			if len(notes) > 0 {
				g.Explanation += ". Now: " + strings.Join(notes, "; ")
				g.RefusesNow = true
			}
			g.BlockedUntil = until
		}
		return g, true
	}
	return g, false
}

func prepareExplanation(wh DownscaleWebhook, sts *appsv1.StatefulSet, zt ZoneTracker) (string, bool) {
	port, path := sts.Annotations[AnnotationPrepareDownscaleHTTPPort], sts.Annotations[AnnotationPrepareDownscaleHTTPPath]
	var missing []string
	if port == "" {
		missing = append(missing, "annotation "+AnnotationPrepareDownscaleHTTPPort)
	}
	if path == "" {
		missing = append(missing, "annotation "+AnnotationPrepareDownscaleHTTPPath)
	}
	if sts.Spec.ServiceName == "" {
		missing = append(missing, "spec.serviceName")
	}
	if len(missing) > 0 {
		return fmt.Sprintf("%s (%s) refuses every scale-down of StatefulSet %s because it lacks %s",
			wh.Webhook, wh.Configuration, sts.Name, strings.Join(missing, " and ")), true
	}
	record := "annotation " + AnnotationLastDownscale
	if zt.Enabled {
		record = "its time in rollout-operator's zone tracker ConfigMap " + zt.ConfigMap
	}
	return fmt.Sprintf("%s (%s) guards scale-downs of StatefulSet %s: it first sends POST "+
		"http://<pod>.%s.%s.svc:%s/%s to every pod being removed and refuses the scale-down if any call fails "+
		"(undoing the calls that succeeded with DELETE), then records %s",
		wh.Webhook, wh.Configuration, sts.Name, sts.Spec.ServiceName, sts.Namespace, port, strings.TrimPrefix(path, "/"),
		record), false
}

// groupState describes the other StatefulSets of sts's rollout group that
// make the webhook refuse now, and until when a recent downscale blocks.
func groupState(sts *appsv1.StatefulSet, all []appsv1.StatefulSet, zt ZoneTracker, now time.Time) ([]string, *time.Time) {
	var notes []string
	var until *time.Time
	if t, why := ZoneDownscaleBlock(sts, all, zt, now); why != "" {
		notes = append(notes, why)
		if !t.IsZero() {
			until = &t
		}
	}
	group := sts.Labels[LabelRolloutGroup]
	for i := range all {
		o := &all[i]
		if o.Name == sts.Name || o.Labels[LabelRolloutGroup] != group {
			continue
		}
		if r := replicas(o.Spec.Replicas); o.Status.UpdatedReplicas < r || o.Status.ReadyReplicas < r {
			notes = append(notes, fmt.Sprintf("StatefulSet %s has %d/%d updated and %d/%d ready pods, so scale-downs are refused until it is rolled out",
				o.Name, o.Status.UpdatedReplicas, r, o.Status.ReadyReplicas, r))
		}
	}
	return notes, until
}
