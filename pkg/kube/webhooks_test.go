package kube

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

var preflightNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func statefulSetRules() []admissionv1.RuleWithOperations {
	return []admissionv1.RuleWithOperations{{
		Operations: []admissionv1.OperationType{admissionv1.Update},
		Rule:       admissionv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"statefulsets", "statefulsets/scale"}},
	}}
}

func prepareDownscaleWebhook(nsSelector *metav1.LabelSelector) *admissionv1.MutatingWebhookConfiguration {
	fail := admissionv1.Fail
	return &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "prepare-downscale-mimir"},
		Webhooks: []admissionv1.MutatingWebhook{{
			Name: "prepare-downscale-mimir.grafana.com",
			ClientConfig: admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{
				Namespace: ns, Name: "rollout-operator", Path: ptr.To(WebhookPathPrepareDownscale)}},
			Rules: statefulSetRules(), NamespaceSelector: nsSelector, FailurePolicy: &fail,
		}},
	}
}

func noDownscaleWebhook() *admissionv1.ValidatingWebhookConfiguration {
	return &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "no-downscale-mimir"},
		Webhooks: []admissionv1.ValidatingWebhook{{
			Name:         "no-downscale-mimir.grafana.com",
			ClientConfig: admissionv1.WebhookClientConfig{URL: ptr.To("https://rollout-operator.example:443" + WebhookPathNoDownscale)},
			Rules:        statefulSetRules(),
		}},
	}
}

// mimirStatefulSets are ingester zones guarded by prepare-downscale (zone b
// was scaled down an hour ago and asks for 12h), a store-gateway missing the
// annotations, and a compactor labelled no-downscale.
func mimirStatefulSets() []runtime.Object {
	prepared := func(zone string, opts ...testkit.StatefulSetOption) *appsv1.StatefulSet {
		base := []testkit.StatefulSetOption{testkit.Label(LabelRolloutGroup, "ingester"), testkit.Label(LabelPrepareDownscale, "true"),
			testkit.Label(LabelMinTimeBetweenZonesDownscale, "12h"), testkit.OnDelete(),
			testkit.Annotation(AnnotationPrepareDownscaleHTTPPath, "ingester/prepare-shutdown"), testkit.Annotation(AnnotationPrepareDownscaleHTTPPort, "80")}
		return statefulSet("ingester-zone-"+zone, append(base, opts...)...)
	}
	return []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": "metrics"}}},
		prepared("a"),
		prepared("b", testkit.Annotation(AnnotationLastDownscale, preflightNow.Add(-time.Hour).Format(time.RFC3339))),
		statefulSet("store-gateway-zone-a", testkit.Label(LabelPrepareDownscale, "true")),
		statefulSet("compactor", testkit.Label(LabelNoDownscale, "true")),
		statefulSet("unguarded"),
	}
}

func TestDetectDownscaleWebhooksExplainsWhatTheyWillDo(t *testing.T) {
	objs := append(mimirStatefulSets(), prepareDownscaleWebhook(nil), noDownscaleWebhook())
	p, err := DetectDownscaleWebhooks(context.Background(), fake.NewClientset(objs...), ns, preflightNow)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "preflight/rollout-operator.json", append(js, '\n'))
	if g := p.ForStatefulSet("ingester-zone-a"); len(g) != 1 || !g[0].RefusesNow || !g[0].BlockedUntil.Equal(preflightNow.Add(11*time.Hour)) {
		t.Fatalf("ingester-zone-a should be blocked until 11h from now: %+v", g)
	}
	if g := p.ForStatefulSet("ingester-zone-b"); len(g) != 1 || g[0].RefusesNow {
		t.Fatalf("ingester-zone-b's own last downscale does not block it: %+v", g)
	}
	if g := p.ForStatefulSet("unguarded"); len(g) != 0 {
		t.Fatalf("an unlabelled StatefulSet is guarded: %+v", g)
	}
}

func TestDetectDownscaleWebhooksIgnores(t *testing.T) {
	tests := []struct {
		behaviour string
		objs      []runtime.Object
	}{
		{"a cluster without rollout-operator's webhooks", nil},
		{"a webhook whose namespace selector does not match the namespace",
			[]runtime.Object{prepareDownscaleWebhook(&metav1.LabelSelector{MatchLabels: map[string]string{"team": "logs"}})}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			p, err := DetectDownscaleWebhooks(context.Background(), fake.NewClientset(append(mimirStatefulSets(), tt.objs...)...), ns, preflightNow)
			if err != nil || len(p.Webhooks) != 0 || len(p.Guards) != 0 {
				t.Fatalf("preflight %+v, %v; want nothing", p, err)
			}
		})
	}
}
