package envchange

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(kind, name, group, strategy string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": kind, "metadata": map[string]any{"name": name}}}
	if group != "" {
		u.SetLabels(map[string]string{"rollout-group": group})
	}
	if strategy != "" {
		u.Object["spec"] = map[string]any{"updateStrategy": map[string]any{"type": strategy}}
	}
	return u
}

func waveNames(waves [][]*unstructured.Unstructured) []string {
	var out []string
	for _, w := range waves {
		out = append(out, objectNames(w))
	}
	return out
}

func TestRolloutWavesRestartOneZoneOfEachGroupAtATime(t *testing.T) {
	changed := []*unstructured.Unstructured{
		obj("StatefulSet", "ingester-zone-c", "ingester", "RollingUpdate"),
		obj("Deployment", "distributor", "", ""),
		obj("StatefulSet", "ingester-zone-a", "ingester", ""), // RollingUpdate is the default
		obj("StatefulSet", "store-gateway-zone-b", "store-gateway", "RollingUpdate"),
		obj("StatefulSet", "ingester-zone-b", "ingester", "RollingUpdate"),
		obj("StatefulSet", "store-gateway-zone-a", "store-gateway", "RollingUpdate"),
		obj("StatefulSet", "compactor", "", "RollingUpdate"),
		obj("Service", "ingester-zone-a", "ingester", ""),
	}
	got := waveNames(rolloutWaves(changed))
	want := []string{
		"Deployment/distributor, StatefulSet/compactor, Service/ingester-zone-a, StatefulSet/ingester-zone-a, StatefulSet/store-gateway-zone-a",
		"StatefulSet/ingester-zone-b, StatefulSet/store-gateway-zone-b",
		"StatefulSet/ingester-zone-c",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("waves:\n got %q\nwant %q", got, want)
	}
}

func TestRolloutWavesLeaveOnDeleteZonesToTheRolloutOperator(t *testing.T) {
	changed := []*unstructured.Unstructured{
		obj("StatefulSet", "ingester-zone-a", "ingester", "OnDelete"),
		obj("StatefulSet", "ingester-zone-b", "ingester", "OnDelete"),
		obj("Deployment", "distributor", "", ""),
	}
	got := waveNames(rolloutWaves(changed))
	if want := []string{"StatefulSet/ingester-zone-a, StatefulSet/ingester-zone-b, Deployment/distributor"}; !reflect.DeepEqual(got, want) {
		t.Errorf("waves: got %q, want %q", got, want)
	}
}

func TestUnchangedZonesAreTheZonesAStoppedRunMayHaveLeftRolling(t *testing.T) {
	a := obj("StatefulSet", "ingester-zone-a", "ingester", "RollingUpdate")
	b := obj("StatefulSet", "ingester-zone-b", "ingester", "RollingUpdate")
	c := obj("StatefulSet", "ingester-zone-c", "ingester", "RollingUpdate")
	d := obj("Deployment", "distributor", "", "")
	got := objectNames(unchangedZones([]*unstructured.Unstructured{a, b, c, d}, []*unstructured.Unstructured{c, d}))
	if got != "StatefulSet/ingester-zone-a, StatefulSet/ingester-zone-b" {
		t.Errorf("unchanged zones: %s", got)
	}
}
