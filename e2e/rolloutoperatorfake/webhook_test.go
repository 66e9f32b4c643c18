package rolloutoperatorfake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

var now = time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)

// pods records the calls the webhook makes to pods; fail makes a POST to
// that pod answer 500.
type pods struct {
	calls []string
	fail  string
}

func (p *pods) Do(_ context.Context, t podaccess.Target, method, path string, _ http.Header, _ io.Reader) (*http.Response, error) {
	p.calls = append(p.calls, method+" "+t.Name+path)
	status := http.StatusOK
	if method == http.MethodPost && t.Name == p.fail {
		status = http.StatusInternalServerError
	}
	return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(""))}, nil
}

func zone(z string, opts ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "ingester-zone-" + z, Namespace: "mimir",
			Labels:      map[string]string{kube.LabelRolloutGroup: "ingester", kube.LabelPrepareDownscale: "true", kube.LabelMinTimeBetweenZonesDownscale: "12h"},
			Annotations: map[string]string{kube.AnnotationPrepareDownscaleHTTPPath: "ingester/prepare-shutdown", kube.AnnotationPrepareDownscaleHTTPPort: "8080"}},
		Spec:   appsv1.StatefulSetSpec{ServiceName: "ingester-zone-" + z},
		Status: appsv1.StatefulSetStatus{Replicas: 2, ReadyReplicas: 2, UpdatedReplicas: 2},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// review sends a scale of ingester-zone-a from 2 to want replicas.
func review(t *testing.T, w *Webhook, path string, want int32, dryRun bool) *admissionv1.AdmissionResponse {
	t.Helper()
	old, _ := json.Marshal(autoscalingv1.Scale{TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"}, Spec: autoscalingv1.ScaleSpec{Replicas: 2}})
	// A scale to 0 reaches the webhook without spec.replicas (omitempty).
	cur, _ := json.Marshal(autoscalingv1.Scale{TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"}, Spec: autoscalingv1.ScaleSpec{Replicas: want}})
	body, _ := json.Marshal(admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{Kind: "AdmissionReview", APIVersion: "admission.k8s.io/v1"},
		Request: &admissionv1.AdmissionRequest{UID: "u1", Name: "ingester-zone-a", Namespace: "mimir", DryRun: &dryRun,
			Resource: metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"},
			Object:   runtime.RawExtension{Raw: cur}, OldObject: runtime.RawExtension{Raw: old}}})
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil || out.Response.UID != "u1" {
		t.Fatalf("answer %q: %v", rec.Body.String(), err)
	}
	return out.Response
}

func tracker(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "zt", Namespace: "mimir"}, Data: data}
}

func TestPrepareDownscaleFollowsRolloutOperator(t *testing.T) {
	recent := `{"lastDownscaled":"2030-03-04T08:00:00Z"}`
	old := `{"lastDownscaled":"2030-02-01T08:00:00Z"}`
	tests := map[string]struct {
		objects []runtime.Object
		tracker bool
		dryRun  bool
		replica int32
		allowed bool
		deny    string // part of the refusal
		calls   string // pod calls, joined by ","
	}{
		"a dry run passes untouched":         {objects: []runtime.Object{zone("a")}, dryRun: true, replica: 1, allowed: true},
		"an upscale passes":                  {objects: []runtime.Object{zone("a")}, replica: 3, allowed: true},
		"no prepare-downscale label: passes": {objects: []runtime.Object{zone("a", func(s *appsv1.StatefulSet) { delete(s.Labels, kube.LabelPrepareDownscale) })}, replica: 1, allowed: true},
		"a missing port annotation refuses": {objects: []runtime.Object{zone("a", func(s *appsv1.StatefulSet) { delete(s.Annotations, kube.AnnotationPrepareDownscaleHTTPPort) })},
			replica: 1, deny: "grafana.com/prepare-downscale-http-port annotation is not set"},
		"prepares the removed pods and records the annotation": {objects: []runtime.Object{zone("a"), zone("b")}, replica: 0, allowed: true,
			calls: "POST ingester-zone-a-0/ingester/prepare-shutdown,POST ingester-zone-a-1/ingester/prepare-shutdown"},
		"a sibling downscaled within its own minimum refuses (annotation)": {objects: []runtime.Object{zone("a", func(s *appsv1.StatefulSet) { delete(s.Labels, kube.LabelMinTimeBetweenZonesDownscale) }),
			zone("b", func(s *appsv1.StatefulSet) { s.Annotations[kube.AnnotationLastDownscale] = "2030-03-04T08:00:00Z" })},
			replica: 1, deny: "statefulset ingester-zone-b was downscaled at 2030-03-04T08:00:00Z and is labelled to wait 12h0m0s"},
		"a sibling downscaled within its own minimum refuses (zone tracker)": {objects: []runtime.Object{zone("a"), zone("b"), tracker(map[string]string{"ingester-zone-b": recent})},
			tracker: true, replica: 1, deny: "statefulset ingester-zone-b was downscaled at 2030-03-04T08:00:00Z"},
		"the zone tracker's first use seeds every zone at now and refuses": {objects: []runtime.Object{zone("a"), zone("b")},
			tracker: true, replica: 1, deny: "statefulset ingester-zone-b was downscaled at 2030-03-04T10:00:00Z"},
		"an old downscale passes (zone tracker)": {objects: []runtime.Object{zone("a"), zone("b"), tracker(map[string]string{"ingester-zone-b": old})},
			tracker: true, replica: 1, allowed: true, calls: "POST ingester-zone-a-1/ingester/prepare-shutdown"},
		"a sibling not rolled out refuses": {objects: []runtime.Object{zone("a"), zone("b", func(s *appsv1.StatefulSet) { s.Status.ReadyReplicas = 1 })},
			replica: 1, deny: "statefulset ingester-zone-b has 0 non-updated replicas and 1 non-ready replicas"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cs := fake.NewClientset(tc.objects...)
			p := &pods{}
			w := &Webhook{Kube: cs, Pods: p, Now: func() time.Time { return now }}
			if tc.tracker {
				w.ZoneTrackerConfigMap = "zt"
			}
			resp := review(t, w, kube.WebhookPathPrepareDownscale, tc.replica, tc.dryRun)
			if resp.Allowed != tc.allowed || (tc.deny != "" && !strings.Contains(message(resp), tc.deny)) {
				t.Fatalf("allowed=%v %q, want allowed=%v %q", resp.Allowed, message(resp), tc.allowed, tc.deny)
			}
			if got := strings.Join(p.calls, ","); got != tc.calls {
				t.Errorf("pod calls %q, want %q", got, tc.calls)
			}
		})
	}
}

func TestAnAllowedDownscaleIsRecordedWhereTheOperatorRecordsIt(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset(zone("a"), zone("b"), tracker(map[string]string{"ingester-zone-b": `{"lastDownscaled":"2030-01-01T00:00:00Z"}`}))
	w := &Webhook{Kube: cs, Pods: &pods{}, Now: func() time.Time { return now }, ZoneTrackerConfigMap: "zt"}
	if resp := review(t, w, kube.WebhookPathPrepareDownscale, 1, false); !resp.Allowed {
		t.Fatal(message(resp))
	}
	cm, _ := cs.CoreV1().ConfigMaps("mimir").Get(ctx, "zt", metav1.GetOptions{})
	if got := cm.Data["ingester-zone-a"]; got != `{"lastDownscaled":"2030-03-04T10:00:00Z"}` {
		t.Errorf("zone tracker entry %q", got)
	}
	w.ZoneTrackerConfigMap = ""
	if resp := review(t, w, kube.WebhookPathPrepareDownscale, 1, false); !resp.Allowed {
		t.Fatal(message(resp))
	}
	sts, _ := cs.AppsV1().StatefulSets("mimir").Get(ctx, "ingester-zone-a", metav1.GetOptions{})
	if got := sts.Annotations[kube.AnnotationLastDownscale]; got != "2030-03-04T10:00:00Z" {
		t.Errorf("annotation %q", got)
	}
}

func TestAPodThatFailsToPrepareUndoesEveryPrepareAndRefuses(t *testing.T) {
	p := &pods{fail: "ingester-zone-a-1"}
	w := &Webhook{Kube: fake.NewClientset(zone("a")), Pods: p, Now: func() time.Time { return now }}
	resp := review(t, w, kube.WebhookPathPrepareDownscale, 0, false)
	if resp.Allowed || !strings.Contains(message(resp), "failed to prepare for shutdown") {
		t.Fatalf("allowed=%v %q", resp.Allowed, message(resp))
	}
	want := "POST ingester-zone-a-0/ingester/prepare-shutdown,POST ingester-zone-a-1/ingester/prepare-shutdown," +
		"DELETE ingester-zone-a-0/ingester/prepare-shutdown,DELETE ingester-zone-a-1/ingester/prepare-shutdown"
	if got := strings.Join(p.calls, ","); got != want {
		t.Errorf("calls %q", got)
	}
}

func TestNoDownscaleRefusesADecreaseOfALabelledStatefulSet(t *testing.T) {
	labelled := zone("a", func(s *appsv1.StatefulSet) { s.Labels[kube.LabelNoDownscale] = "true" })
	w := &Webhook{Kube: fake.NewClientset(labelled), Pods: &pods{}}
	if resp := review(t, w, kube.WebhookPathNoDownscale, 1, false); resp.Allowed || !strings.Contains(message(resp), "grafana.com/no-downscale=true") {
		t.Errorf("decrease: allowed=%v %q", resp.Allowed, message(resp))
	}
	if resp := review(t, w, kube.WebhookPathNoDownscale, 3, false); !resp.Allowed {
		t.Errorf("increase refused: %q", message(resp))
	}
}
