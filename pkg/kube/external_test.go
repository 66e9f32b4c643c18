package kube

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/mimirctl/mimirctl/pkg/diff"
)

func liveConfigMap(name, value string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: map[string]string{"k": value}}
}

func TestWaitUntilMatchesFollowsTheExternalPipeline(t *testing.T) {
	dyn := dynamicfake.NewSimpleDynamicClient(scheme.Scheme, liveConfigMap("overrides", "old"), liveConfigMap("querier-config", "x"))
	desired := []*unstructured.Unstructured{toUnstructured(t, liveConfigMap("overrides", "new"))}
	gone := []*unstructured.Unstructured{toUnstructured(t, liveConfigMap("querier-config", ""))}
	cms := dyn.Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace(ns)
	var summaries []string
	progress := func(r *diff.Report) {
		summaries = append(summaries, r.Summary())
		if len(summaries) == 1 { // the GitOps controller syncs
			_, _ = cms.Update(context.Background(), toUnstructured(t, liveConfigMap("overrides", "new")), metav1.UpdateOptions{})
			_ = cms.Delete(context.Background(), "querier-config", metav1.DeleteOptions{})
		}
	}
	r, err := WaitUntilMatches(context.Background(), dyn, fakeMapper(), desired, gone,
		MatchOptions{WaitOptions: WaitOptions{Interval: time.Minute, Sleep: (&fakeSleep{}).sleep}, Progress: progress})
	if err != nil || !r.Empty() {
		t.Fatalf("WaitUntilMatches = %v, %v", r, err)
	}
	if got := strings.Join(summaries, " | "); got != "0 to create, 1 to update, 1 to delete | 0 to create, 0 to update, 0 to delete" {
		t.Fatalf("polls: %s", got)
	}
}

func TestWaitUntilMatchesSaysWhatStillDiffers(t *testing.T) {
	dyn := dynamicfake.NewSimpleDynamicClient(scheme.Scheme, liveConfigMap("overrides", "old"))
	desired := []*unstructured.Unstructured{toUnstructured(t, liveConfigMap("overrides", "new"))}
	ctx, cancel := context.WithCancel(context.Background())
	_, err := WaitUntilMatches(ctx, dyn, fakeMapper(), desired, nil,
		MatchOptions{WaitOptions: WaitOptions{Sleep: (&fakeSleep{}).sleep}, Progress: func(*diff.Report) { cancel() }})
	if err == nil || !strings.Contains(err.Error(), "still 0 to create, 1 to update, 0 to delete (ConfigMap mimir/overrides)") {
		t.Fatalf("want an error naming what differs, got %v", err)
	}
}
