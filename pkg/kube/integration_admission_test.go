//go:build integration

package kube

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// apiServerIsLocal reports whether the API server listens on an address of
// this machine, so that it can call a webhook served by the test.
func apiServerIsLocal(t *testing.T, c *Clients) bool {
	u, err := url.Parse(c.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	host := u.Hostname()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.String() == host {
			return true
		}
	}
	return false
}

// denyingWebhook serves rollout-operator's no-downscale path and refuses
// every replica decrease, as rollout-operator does for labelled objects.
func denyingWebhook(t *testing.T) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "bad review", http.StatusBadRequest)
			return
		}
		resp := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
		if replicasIn(review.Request.Object.Raw) < replicasIn(review.Request.OldObject.Raw) {
			resp.Allowed = false
			resp.Result = &metav1.Status{Message: "downscale of statefulsets/" + review.Request.Name + " in " +
				review.Request.Namespace + " is not allowed because it has the label grafana.com/no-downscale=true"}
		}
		review.Response = resp
		_ = json.NewEncoder(w).Encode(review)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// replicasIn reads spec.replicas of a StatefulSet or Scale.
func replicasIn(raw []byte) int {
	var obj struct {
		Spec struct {
			Replicas *int `json:"replicas"`
		} `json:"spec"`
	}
	if json.Unmarshal(raw, &obj) != nil || obj.Spec.Replicas == nil {
		return 1
	}
	return *obj.Spec.Replicas
}

func TestIntegrationAdmissionRefusalIsExplained(t *testing.T) {
	f := newFixture(t)
	if !apiServerIsLocal(t, f.c) {
		t.Skip("the API server does not run on this machine, so it cannot call a webhook served by the test")
	}
	ctx := context.Background()
	f.apply(f.render(nil), ApplyOptions{})
	srv := denyingWebhook(t)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	ignore := admissionregv1.Ignore
	none := admissionregv1.SideEffectClassNone
	cfg := &admissionregv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: f.ns + "-no-downscale"},
		Webhooks: []admissionregv1.ValidatingWebhook{{
			Name:                    "no-downscale-" + f.ns + ".grafana.com",
			ClientConfig:            admissionregv1.WebhookClientConfig{URL: ptr.To(srv.URL + WebhookPathNoDownscale), CABundle: ca},
			Rules:                   statefulSetRules(),
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": f.ns}},
			FailurePolicy:           &ignore,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	webhooks := f.c.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := webhooks.Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = webhooks.Delete(context.Background(), cfg.Name, metav1.DeleteOptions{}) })
	if _, err := Scale(ctx, f.c.Kube, Workload{Kind: "StatefulSet", Namespace: f.ns, Name: "ingester-zone-a"}, 3); err != nil {
		t.Fatalf("a scale-up was refused: %v", err)
	}

	// The API server picks webhook configurations up within a second or so.
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if _, err = Scale(ctx, f.c.Kube, Workload{Kind: "StatefulSet", Namespace: f.ns, Name: "ingester-zone-a"}, 1); err != nil {
			break
		}
		_, _ = Scale(ctx, f.c.Kube, Workload{Kind: "StatefulSet", Namespace: f.ns, Name: "ingester-zone-a"}, 3)
	}
	var ad *AdmissionDeniedError
	if !errors.As(err, &ad) || ad.Webhook != cfg.Webhooks[0].Name || !strings.Contains(ad.Message, "grafana.com/no-downscale=true") {
		t.Fatalf("want an *AdmissionDeniedError from %s, got %v", cfg.Webhooks[0].Name, err)
	}
	t.Logf("refusal: %v", err)

	if _, err := Scale(ctx, f.c.Kube, Workload{Kind: "StatefulSet", Namespace: f.ns, Name: "ingester-zone-a"}, 3); err != nil {
		t.Fatal(err)
	}
	patch := []byte(`{"metadata":{"labels":{"` + LabelNoDownscale + `":"true"}}}`)
	if _, err := f.c.Kube.AppsV1().StatefulSets(f.ns).Patch(ctx, "ingester-zone-a", "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := DetectDownscaleWebhooks(ctx, f.c.Kube, f.ns, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if g := p.ForStatefulSet("ingester-zone-a"); len(g) != 1 || g[0].Kind != NoDownscale || !g[0].RefusesNow {
		t.Fatalf("preflight did not explain the webhook: %+v", p)
	}
	t.Logf("preflight: %s", p.ForStatefulSet("ingester-zone-a")[0].Explanation)
}
