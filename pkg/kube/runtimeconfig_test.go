package kube

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

var kvPatch = map[string]any{"multi_kv_config": map[string]any{"primary": "memberlist", "mirror_enabled": true}}

func overridesConfigMap(content string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: mimir.RuntimeConfigMap, Namespace: ns},
		Data: map[string]string{mimir.RuntimeConfigKey: content}}
}

func TestApplyRuntimeConfig(t *testing.T) {
	tests := []struct {
		behaviour string
		before    string
		patch     map[string]any
		changed   bool
		after     string
	}{
		{"the patch is merged into the existing document", "overrides:\n  tenant-a:\n    ingestion_rate: 10000\n", kvPatch, true,
			"multi_kv_config:\n  mirror_enabled: true\n  primary: memberlist\noverrides:\n  tenant-a:\n    ingestion_rate: 10000\n"},
		{"a patch already in place changes nothing", "multi_kv_config:\n  mirror_enabled: true\n  primary: memberlist\n  extra: 1\n", kvPatch, false,
			"multi_kv_config:\n  mirror_enabled: true\n  primary: memberlist\n  extra: 1\n"},
		{"null removes a key and sibling keys stay", "multi_kv_config:\n  mirror_enabled: true\n  primary: consul\n",
			map[string]any{"multi_kv_config": map[string]any{"mirror_enabled": nil}}, true, "multi_kv_config:\n  primary: consul\n"},
		{"an empty file is filled", "", kvPatch, true, "multi_kv_config:\n  mirror_enabled: true\n  primary: memberlist\n"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			cs := fake.NewClientset(overridesConfigMap(tt.before))
			changed, err := ApplyRuntimeConfig(context.Background(), cs, RuntimeConfigChange{Namespace: ns, Patch: tt.patch})
			if err != nil || changed != tt.changed {
				t.Fatalf("ApplyRuntimeConfig = %v, %v; want changed=%v", changed, err, tt.changed)
			}
			cm, _ := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), mimir.RuntimeConfigMap, metav1.GetOptions{})
			if got := cm.Data[mimir.RuntimeConfigKey]; got != tt.after {
				t.Fatalf("overrides.yaml:\n%s\nwant:\n%s", got, tt.after)
			}
		})
	}
	_, err := ApplyRuntimeConfig(context.Background(), fake.NewClientset(), RuntimeConfigChange{Namespace: ns, Patch: kvPatch})
	if err == nil || !strings.Contains(err.Error(), "ConfigMap mimir/overrides") {
		t.Fatalf("a missing ConfigMap: %v", err)
	}
}

// fakePods answers /runtime_config per pod name.
type fakePods struct {
	mu      sync.Mutex
	answers map[string]string // pod -> body; "error" fails the request
}

func (f *fakePods) set(pod, body string) { f.mu.Lock(); f.answers[pod] = body; f.mu.Unlock() }

func (f *fakePods) Do(_ context.Context, t podaccess.Target, method, path string, _ http.Header, _ io.Reader) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body := f.answers[t.Name]
	if method != http.MethodGet || path != mimir.PathRuntimeConfig || body == "error" {
		return nil, errors.New("connection refused")
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(body))}, nil
}

const served = "multi_kv_config:\n  primary: memberlist\n  mirror_enabled: true\noverrides: {}\n"

func TestCheckRuntimeConfig(t *testing.T) {
	sel := podaccess.Selector{Labels: "name=distributor"}
	tests := []struct {
		behaviour string
		answers   map[string]string
		want      verdict.Verdict
	}{
		{"every pod serving the new values passes", map[string]string{"d-0": served, "d-1": served}, verdict.Pass},
		{"a pod serving the old values fails", map[string]string{"d-0": served, "d-1": "multi_kv_config:\n  primary: consul\n"}, verdict.Fail},
		{"a pod that cannot be asked makes it inconclusive", map[string]string{"d-0": served, "d-1": "error"}, verdict.Inconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			cs := fake.NewClientset(testkit.Pod("d-0", testkit.Label("name", "distributor")), testkit.Pod("d-1", testkit.Label("name", "distributor")))
			obs, pods, err := CheckRuntimeConfig(context.Background(), cs, &fakePods{answers: tt.answers}, ns, sel, kvPatch)
			if err != nil || obs.Verdict != tt.want || len(pods) != 2 {
				t.Fatalf("CheckRuntimeConfig = %v, %+v, %v; want %v", obs, pods, err, tt.want)
			}
		})
	}
	obs, _, err := CheckRuntimeConfig(context.Background(), fake.NewClientset(), &fakePods{}, ns, sel, kvPatch)
	if err != nil || obs.Verdict != verdict.Inconclusive {
		t.Fatalf("no pods selected: %v, %v; want inconclusive", obs, err)
	}
}

func TestWaitRuntimeConfigWaitsForTheLastPod(t *testing.T) {
	cs := fake.NewClientset(testkit.Pod("d-0", testkit.Label("name", "distributor")), testkit.Pod("d-1", testkit.Label("name", "distributor")))
	pods := &fakePods{answers: map[string]string{"d-0": served, "d-1": "overrides: {}\n"}}
	sleeps := 0
	sleep := func(context.Context, time.Duration) error {
		if sleeps++; sleeps == 1 {
			pods.set("d-1", served) // the kubelet refreshed the file, Mimir reloaded it
		}
		return nil
	}
	obs, err := WaitRuntimeConfig(context.Background(), cs, pods, ns, podaccess.Selector{Labels: "name=distributor"}, kvPatch,
		WaitOptions{Interval: 10 * time.Second, Sleep: sleep})
	if err != nil || obs.Verdict != verdict.Pass || sleeps != 1 {
		t.Fatalf("WaitRuntimeConfig = %v, %v after %d sleeps, want a pass after 1", obs, err, sleeps)
	}
}
