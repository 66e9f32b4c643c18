package kube

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

func TestZoneTrackerFlagsAreReadLikeRolloutOperatorsFlagParser(t *testing.T) {
	tests := map[string]struct {
		argv []string
		on   bool
		name string
	}{
		"Mimir jsonnet's args":        {[]string{"-kubernetes.namespace=mimir", "-use-zone-tracker=true", "-zone-tracker.config-map-name=zt"}, true, "zt"},
		"a bare bool flag":            {[]string{"--use-zone-tracker"}, true, ""},
		"a separate value":            {[]string{"-use-zone-tracker", "-zone-tracker.config-map-name", "other"}, true, "other"},
		"turned off":                  {[]string{"-use-zone-tracker=false"}, false, ""},
		"another program's arguments": {[]string{"use-zone-tracker"}, false, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if on, cm := zoneTrackerFlags(tc.argv); on != tc.on || cm != tc.name {
				t.Errorf("= %v %q, want %v %q", on, cm, tc.on, tc.name)
			}
		})
	}
}

func rolloutOperator(args ...string) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "rollout-operator", Namespace: ns},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "rollout-operator", Args: args}}}}}}
}

func trackerConfigMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: data}
}

func ingesterZones() []runtime.Object {
	zone := func(z string, minTime string) *appsv1.StatefulSet {
		opts := []testkit.StatefulSetOption{testkit.Label(LabelRolloutGroup, "ingester"), testkit.ReplicaStatus(3, 3, 3)}
		if minTime != "" {
			opts = append(opts, testkit.Label(LabelMinTimeBetweenZonesDownscale, minTime))
		}
		return statefulSet("ingester-zone-"+z, opts...)
	}
	return []runtime.Object{zone("a", "12h"), zone("b", ""), zone("c", "1h")}
}

func TestZoneDownscaleBlock(t *testing.T) {
	now := time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		extra []runtime.Object
		want  string // "" for no block
	}{
		"the zone tracker's time and the downscaled sibling's minimum": {
			extra: []runtime.Object{rolloutOperator("-use-zone-tracker=true", "-zone-tracker.config-map-name=zt"),
				trackerConfigMap("zt", map[string]string{"ingester-zone-a": `{"lastDownscaled":"2030-03-04T08:00:00Z"}`})},
			want: "ingester-zone-a was scaled down at 2030-03-04T08:00:00Z (rollout-operator zone tracker, ConfigMap zt) and asks for 12h0m0s between zone downscales: run again after 2030-03-04T20:00:00Z",
		},
		"a zone downscaled longer ago than its minimum": {
			extra: []runtime.Object{trackerConfigMap(ZoneTrackerDefaultConfigMap, map[string]string{"ingester-zone-c": `{"lastDownscaled":"2030-03-04T08:00:00Z"}`})},
		},
		"a zone tracker without its ConfigMap yet refuses the first downscale": {
			extra: []runtime.Object{rolloutOperator("-use-zone-tracker")},
			want:  "rollout-operator's zone tracker has no ConfigMap rollout-operator-zone-tracker yet",
		},
		"no zone tracker, no annotation": {},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cs := fake.NewClientset(append(ingesterZones(), tc.extra...)...)
			zt, _, err := ReadZoneTracker(context.Background(), cs, ns)
			if err != nil {
				t.Fatal(err)
			}
			list, _ := cs.AppsV1().StatefulSets(ns).List(context.Background(), metav1.ListOptions{})
			target := &list.Items[1] // ingester-zone-b, no label of its own
			until, why := ZoneDownscaleBlock(target, list.Items, zt, now)
			if tc.want == "" {
				if !until.IsZero() {
					t.Errorf("blocked until %s: %s", until, why)
				}
				return
			}
			if !strings.Contains(why, tc.want) {
				t.Errorf("why = %q\nwant %q", why, tc.want)
			}
		})
	}
}

func TestACorruptZoneTrackerEntryIsAnErrorNamingTheKey(t *testing.T) {
	cs := fake.NewClientset(trackerConfigMap(ZoneTrackerDefaultConfigMap, map[string]string{"ingester-zone-a": "yesterday"}))
	_, _, err := ReadZoneTracker(context.Background(), cs, ns)
	if err == nil || !strings.Contains(err.Error(), "key ingester-zone-a") {
		t.Fatalf("err = %v", err)
	}
}

func TestReplicaControlFollowsLeaderChainsAndMirrors(t *testing.T) {
	all := []appsv1.StatefulSet{
		*statefulSet("ingester-zone-a"),
		*statefulSet("ingester-zone-b", testkit.Annotation(AnnotationDownscaleLeader, "ingester-zone-a")),
		*statefulSet("ingester-zone-c", testkit.Annotation(AnnotationDownscaleLeader, "ingester-zone-b")),
		*statefulSet("store-gateway-zone-a"),
	}
	if got := strings.Join(ReplicaControl(&all[0], all), ""); !strings.Contains(got, "ingester-zone-b follows ingester-zone-a, and ingester-zone-c follows ingester-zone-b") {
		t.Errorf("leader: %q", got)
	}
	if got := ReplicaControl(&all[2], all); len(got) != 1 || !strings.Contains(got[0], "takes its replicas from ingester-zone-b") {
		t.Errorf("last follower: %q", got)
	}
	if got := ReplicaControl(&all[3], all); len(got) != 0 {
		t.Errorf("independent StatefulSet: %q", got)
	}
}

func TestASiblingLabelThatDoesNotParseBlocksLikeTheWebhook(t *testing.T) {
	all := []appsv1.StatefulSet{
		*statefulSet("ingester-zone-a", testkit.Label(LabelRolloutGroup, "ingester")),
		*statefulSet("ingester-zone-b", testkit.Label(LabelRolloutGroup, "ingester"), testkit.Label(LabelMinTimeBetweenZonesDownscale, "12 hours")),
	}
	_, why := ZoneDownscaleBlock(&all[0], all, ZoneTracker{}, time.Now())
	if !strings.Contains(why, `ingester-zone-b has label grafana.com/min-time-between-zones-downscale="12 hours", which is not a duration`) {
		t.Errorf("why = %q", why)
	}
}
