package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ZoneTracker is rollout-operator's zone tracker as the cluster shows it: the
// ConfigMap in which the prepare-downscale webhook records each StatefulSet's
// last downscale instead of the grafana.com/last-downscale annotation.
type ZoneTracker struct {
	// Enabled is true when a Deployment of the namespace runs
	// rollout-operator with -use-zone-tracker, or the ConfigMap exists.
	Enabled bool
	// ConfigMap is its name (the flag's value, or the default).
	ConfigMap string
	// Exists is false while no downscale created the ConfigMap yet.
	Exists bool
	// LastDownscaled maps a StatefulSet name to its recorded downscale.
	LastDownscaled map[string]time.Time
}

// ReadZoneTracker finds rollout-operator's zone tracker of namespace: the
// flags of the Deployments there (a Deployment list that is forbidden is a
// warning, and the default ConfigMap name is read), then the ConfigMap. A
// value that is not {"lastDownscaled":"<RFC 3339>"} is an error naming the
// key, since the webhook refuses downscales on it too.
func ReadZoneTracker(ctx context.Context, cs kubernetes.Interface, namespace string) (ZoneTracker, []string, error) {
	zt := ZoneTracker{ConfigMap: ZoneTrackerDefaultConfigMap, LastDownscaled: map[string]time.Time{}}
	var warnings []string
	deps, err := cs.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
	switch {
	case apierrors.IsForbidden(err):
		warnings = append(warnings, fmt.Sprintf("no permission to list Deployments in %s: whether rollout-operator runs with its zone tracker is judged from the ConfigMap %s alone", namespace, zt.ConfigMap))
	case err != nil:
		return zt, nil, fmt.Errorf("list Deployments in %s to find rollout-operator's flags: %w", namespace, err)
	default:
		for _, d := range deps.Items {
			for _, c := range d.Spec.Template.Spec.Containers {
				if on, name := zoneTrackerFlags(append(append([]string{}, c.Command...), c.Args...)); on {
					zt.Enabled = true
					if name != "" {
						zt.ConfigMap = name
					}
				}
			}
		}
	}
	cm, err := cs.CoreV1().ConfigMaps(namespace).Get(ctx, zt.ConfigMap, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return zt, warnings, nil
	case apierrors.IsForbidden(err):
		return zt, append(warnings, fmt.Sprintf("no permission to read ConfigMap %s/%s: rollout-operator's zone tracker cannot be read", namespace, zt.ConfigMap)), nil
	case err != nil:
		return zt, warnings, fmt.Errorf("read rollout-operator's zone tracker ConfigMap %s/%s: %w", namespace, zt.ConfigMap, err)
	}
	zt.Enabled, zt.Exists = true, true
	for key, raw := range cm.Data {
		var v struct {
			LastDownscaled string `json:"lastDownscaled"`
		}
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return zt, warnings, fmt.Errorf("ConfigMap %s/%s key %s: %q is not rollout-operator's {\"lastDownscaled\": ...}: %w", namespace, zt.ConfigMap, key, raw, err)
		}
		t, err := time.Parse(time.RFC3339, v.LastDownscaled)
		if err != nil {
			return zt, warnings, fmt.Errorf("ConfigMap %s/%s key %s: lastDownscaled %q is not an RFC 3339 time", namespace, zt.ConfigMap, key, v.LastDownscaled)
		}
		zt.LastDownscaled[key] = t
	}
	return zt, warnings, nil
}

// zoneTrackerFlags reads -use-zone-tracker[=bool] and
// -zone-tracker.config-map-name=NAME (one or two dashes, "=" or a separate
// value) from a container's command line.
func zoneTrackerFlags(argv []string) (on bool, name string) {
	for i, a := range argv {
		flag, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			continue
		}
		switch flag {
		case ZoneTrackerFlag:
			on = !hasValue || value == "true" || value == "1"
		case ZoneTrackerConfigMapFlag:
			if !hasValue && i+1 < len(argv) {
				value = argv[i+1]
			}
			name = value
		}
	}
	return on, name
}

// ZoneDownscale is the last recorded downscale of a StatefulSet.
type ZoneDownscale struct {
	At time.Time
	// Source says where it was read, for messages.
	Source string
}

// LastDownscales returns each StatefulSet's last downscale, from the zone
// tracker or the grafana.com/last-downscale annotation (the later one when
// both exist: the annotation may predate the zone tracker).
func LastDownscales(all []appsv1.StatefulSet, zt ZoneTracker) map[string]ZoneDownscale {
	out := map[string]ZoneDownscale{}
	for _, s := range all {
		if t, err := time.Parse(time.RFC3339, s.Annotations[AnnotationLastDownscale]); err == nil {
			out[s.Name] = ZoneDownscale{At: t, Source: "annotation " + AnnotationLastDownscale}
		}
		if t, ok := zt.LastDownscaled[s.Name]; ok && t.After(out[s.Name].At) {
			out[s.Name] = ZoneDownscale{At: t, Source: "rollout-operator zone tracker, ConfigMap " + zt.ConfigMap}
		}
	}
	return out
}

// ZoneDownscaleBlock says until when a downscale of target is refused
// because another StatefulSet of its rollout group was downscaled recently:
// rollout-operator's prepare-downscale webhook takes the minimum from the
// label grafana.com/min-time-between-zones-downscale of the StatefulSet that
// was downscaled (pkg/admission/zone_tracker.go, findDownscalesDoneMinTimeAgo);
// mimirctl falls back to the target's label where the sibling has none.
// While the zone tracker is on and its ConfigMap does not exist yet, the
// webhook's first check creates it with every StatefulSet of the group
// downscaled "now", so it refuses for a whole minimum from now. The zero time
// means no block; a sibling's label that does not parse blocks with no end
// (the webhook refuses on it): the zero time and a non-empty reason.
func ZoneDownscaleBlock(target *appsv1.StatefulSet, all []appsv1.StatefulSet, zt ZoneTracker, now time.Time) (time.Time, string) {
	group := target.Labels[LabelRolloutGroup]
	if group == "" {
		return time.Time{}, ""
	}
	last := LastDownscales(all, zt)
	var until time.Time
	var why string
	for i := range all {
		o := &all[i]
		if o.Name == target.Name || o.Labels[LabelRolloutGroup] != group {
			continue
		}
		minBetween, err := minTimeBetweenZones(o, target)
		if err != nil {
			return time.Time{}, err.Error()
		}
		if minBetween <= 0 {
			continue
		}
		if zt.Enabled && !zt.Exists {
			if t := now.Add(minBetween); t.After(until) {
				until = t
				why = fmt.Sprintf("rollout-operator's zone tracker has no ConfigMap %s yet: its first downscale check creates it with every StatefulSet of rollout-group %s downscaled now, "+
					"and %s asks for %s between zone downscales, so the webhook would refuse the scale-down of %s; create the ConfigMap with earlier times "+
					"(one key per StatefulSet, value {\"lastDownscaled\":\"<RFC 3339>\"}) if no zone was downscaled recently",
					zt.ConfigMap, group, o.Name, minBetween, target.Name)
			}
			continue
		}
		d, ok := last[o.Name]
		if !ok || now.Sub(d.At) >= minBetween {
			continue
		}
		if t := d.At.Add(minBetween); t.After(until) {
			until = t
			why = fmt.Sprintf("%s was scaled down at %s (%s) and asks for %s between zone downscales: run again after %s",
				o.Name, d.At.UTC().Format(time.RFC3339), d.Source, minBetween, t.UTC().Format(time.RFC3339))
		}
	}
	return until, why
}

// minTimeBetweenZones is the sibling's label, else the target's (0 when
// neither has one); a label that does not parse is an error naming it.
func minTimeBetweenZones(sibling, target *appsv1.StatefulSet) (time.Duration, error) {
	for _, s := range []*appsv1.StatefulSet{sibling, target} {
		if raw, ok := s.Labels[LabelMinTimeBetweenZonesDownscale]; ok {
			d, err := time.ParseDuration(raw)
			if err != nil {
				return 0, fmt.Errorf("StatefulSet %s has label %s=%q, which is not a duration: rollout-operator refuses every downscale of its rollout group; fix the label",
					s.Name, LabelMinTimeBetweenZonesDownscale, raw)
			}
			return d, nil
		}
	}
	return 0, nil
}
