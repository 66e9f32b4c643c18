package rolloutoperatorfake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Webhook serves /admission/prepare-downscale and /admission/no-downscale.
type Webhook struct {
	Kube kubernetes.Interface
	// Pods calls the pods being removed.
	Pods podaccess.Doer
	// ZoneTrackerConfigMap, when not empty, turns the zone tracker on
	// (-use-zone-tracker, -zone-tracker.config-map-name).
	ZoneTrackerConfigMap string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives one line per decision (optional).
	Log func(format string, args ...any)
}

// ServeHTTP answers an AdmissionReview.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var review admissionv1.AdmissionReview
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(rw, "want an AdmissionReview", http.StatusBadRequest)
		return
	}
	var resp *admissionv1.AdmissionResponse
	switch {
	case strings.HasSuffix(r.URL.Path, kube.WebhookPathPrepareDownscale):
		resp = w.prepareDownscale(r.Context(), review.Request)
	case strings.HasSuffix(r.URL.Path, kube.WebhookPathNoDownscale):
		resp = w.noDownscale(r.Context(), review.Request)
	default:
		http.NotFound(rw, r)
		return
	}
	resp.UID = review.Request.UID
	if w.Log != nil {
		w.Log("%s %s/%s: allowed=%v %s", r.URL.Path, review.Request.Namespace, review.Request.Name, resp.Allowed, message(resp))
	}
	review.Response = resp
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(review)
}

func message(r *admissionv1.AdmissionResponse) string {
	if r.Result == nil {
		return ""
	}
	return r.Result.Message
}

func allow() *admissionv1.AdmissionResponse { return &admissionv1.AdmissionResponse{Allowed: true} }

func deny(format string, args ...any) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{Message: fmt.Sprintf(format, args...), Code: http.StatusForbidden}}
}

func (w *Webhook) now() time.Time {
	if w.Now == nil {
		return time.Now()
	}
	return w.Now()
}

// replicas reads spec.replicas of a StatefulSet or a Scale; nil when a
// StatefulSet has none. A Scale omits 0 (autoscaling/v1 ScaleSpec.Replicas
// is an int32 with omitempty), so its absent replicas are 0, as the
// operator's decodeAndReplicas reads them.
func replicas(raw []byte) *int32 {
	var obj struct {
		Kind string `json:"kind"`
		Spec struct {
			Replicas *int32 `json:"replicas"`
		} `json:"spec"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	if obj.Spec.Replicas == nil && obj.Kind == "Scale" {
		zero := int32(0)
		return &zero
	}
	return obj.Spec.Replicas
}

// downscale returns the old and new replicas when the request lowers them.
func downscale(req *admissionv1.AdmissionRequest) (int32, int32, bool) {
	old, cur := replicas(req.OldObject.Raw), replicas(req.Object.Raw)
	if old == nil || cur == nil || *cur >= *old {
		return 0, 0, false
	}
	return *old, *cur, true
}

func (w *Webhook) noDownscale(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	old, cur, ok := downscale(req)
	if !ok {
		return allow()
	}
	sts, err := w.Kube.AppsV1().StatefulSets(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
	if err != nil || sts.Labels[kube.LabelNoDownscale] != "true" {
		return allow()
	}
	return deny("downscale of %s/%s in %s from %d to %d replicas is not allowed because it has the label %s=true",
		req.Resource.Resource, req.Name, req.Namespace, old, cur, kube.LabelNoDownscale)
}

func (w *Webhook) prepareDownscale(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	if req.DryRun != nil && *req.DryRun {
		return allow()
	}
	old, cur, ok := downscale(req)
	if !ok {
		return allow()
	}
	sts, err := w.Kube.AppsV1().StatefulSets(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
	if err != nil {
		return allow() // the operator allows with a warning when it cannot read the object
	}
	what := fmt.Sprintf("downscale of %s/%s in %s from %d to %d replicas", req.Resource.Resource, req.Name, req.Namespace, old, cur)
	if sts.Labels[kube.LabelPrepareDownscale] != "true" {
		return allow()
	}
	port, path := sts.Annotations[kube.AnnotationPrepareDownscaleHTTPPort], sts.Annotations[kube.AnnotationPrepareDownscaleHTTPPath]
	switch {
	case port == "":
		return deny("%s is not allowed because the %s annotation is not set or empty.", what, kube.AnnotationPrepareDownscaleHTTPPort)
	case path == "":
		return deny("%s is not allowed because the %s annotation is not set or empty.", what, kube.AnnotationPrepareDownscaleHTTPPath)
	case sts.Spec.ServiceName == "":
		return deny("%s is not allowed because the serviceName is not set or empty.", what)
	}
	if group := sts.Labels[kube.LabelRolloutGroup]; group != "" {
		if resp := w.checkGroup(ctx, sts, group, what); resp != nil {
			return resp
		}
	}
	if err := w.prepare(ctx, sts, port, path, old, cur); err != nil {
		return deny("%s is not allowed because one or more pods failed to prepare for shutdown.", what)
	}
	if err := w.record(ctx, sts); err != nil {
		return deny("%s is not allowed because setting the downscale time failed: %v", what, err)
	}
	return &admissionv1.AdmissionResponse{Allowed: true, Result: &metav1.Status{Message: what + " is allowed -- all pods successfully prepared for shutdown."}}
}

// checkGroup refuses while another StatefulSet of the group was downscaled
// less than its own minimum ago, or is not rolled out and ready.
func (w *Webhook) checkGroup(ctx context.Context, sts *appsv1.StatefulSet, group, what string) *admissionv1.AdmissionResponse {
	list, err := w.Kube.AppsV1().StatefulSets(sts.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelRolloutGroup + "=" + group})
	if err != nil {
		return deny("%s is not allowed because finding other statefulsets failed.", what)
	}
	last, err := w.lastDownscales(ctx, sts.Namespace, list.Items)
	if err != nil {
		return deny("%s is not allowed because loading zones failed: %v", what, err)
	}
	for _, o := range list.Items {
		if o.Name == sts.Name {
			continue
		}
		raw, ok := o.Labels[kube.LabelMinTimeBetweenZonesDownscale]
		at, known := last[o.Name]
		if !ok || !known {
			continue
		}
		minTime, err := time.ParseDuration(raw)
		if err != nil {
			return deny("%s is not allowed because the %s label of %s does not parse", what, kube.LabelMinTimeBetweenZonesDownscale, o.Name)
		}
		if w.now().Sub(at) < minTime {
			return deny("%s is not allowed because statefulset %s was downscaled at %s and is labelled to wait %s between zone downscales",
				what, o.Name, at.UTC().Format(time.RFC3339), minTime)
		}
	}
	for _, o := range list.Items {
		if o.Name == sts.Name {
			continue
		}
		if o.Status.Replicas != o.Status.ReadyReplicas || o.Status.UpdatedReplicas != o.Status.ReadyReplicas {
			return deny("%s is not allowed because statefulset %s has %d non-updated replicas and %d non-ready replicas",
				what, o.Name, o.Status.Replicas-o.Status.UpdatedReplicas, o.Status.Replicas-o.Status.ReadyReplicas)
		}
	}
	return nil
}

// lastDownscales reads the zone tracker (creating it, every StatefulSet of
// the group at now, when missing) or the annotations.
func (w *Webhook) lastDownscales(ctx context.Context, ns string, group []appsv1.StatefulSet) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if w.ZoneTrackerConfigMap == "" {
		for _, s := range group {
			if t, err := time.Parse(time.RFC3339, s.Annotations[kube.AnnotationLastDownscale]); err == nil {
				out[s.Name] = t
			}
		}
		return out, nil
	}
	cm, err := w.Kube.CoreV1().ConfigMaps(ns).Get(ctx, w.ZoneTrackerConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: w.ZoneTrackerConfigMap, Namespace: ns}, Data: map[string]string{}}
		for _, s := range group {
			cm.Data[s.Name] = zoneInfo(w.now())
		}
		cm, err = w.Kube.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
	}
	if err != nil {
		return nil, err
	}
	for k, v := range cm.Data {
		var zi struct {
			LastDownscaled string `json:"lastDownscaled"`
		}
		if err := json.Unmarshal([]byte(v), &zi); err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339, zi.LastDownscaled)
		if err != nil {
			return nil, fmt.Errorf("can't parse last downscale time of %s: %w", k, err)
		}
		out[k] = t
	}
	return out, nil
}

func zoneInfo(t time.Time) string {
	return fmt.Sprintf(`{"lastDownscaled":%q}`, t.UTC().Format(time.RFC3339))
}

// prepare POSTs path to every pod being removed; on a failure it DELETEs
// it on all of them.
func (w *Webhook) prepare(ctx context.Context, sts *appsv1.StatefulSet, port, path string, old, cur int32) error {
	p, err := strconv.Atoi(port)
	if err != nil {
		return err
	}
	var targets []podaccess.Target
	for i := cur; i < old; i++ {
		targets = append(targets, podaccess.Target{Namespace: sts.Namespace, Name: fmt.Sprintf("%s-%d", sts.Name, i), Port: p})
	}
	call := func(method string, t podaccess.Target) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		resp, err := w.Pods.Do(ctx, t, method, "/"+strings.TrimPrefix(path, "/"), nil, nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s %s on %s: %d", method, path, t.Name, resp.StatusCode)
		}
		return nil
	}
	for _, t := range targets {
		if err := call(http.MethodPost, t); err != nil {
			for _, u := range targets {
				_ = call(http.MethodDelete, u)
			}
			return err
		}
	}
	return nil
}

// record keeps the downscale time, as the operator does once all pods are
// prepared.
func (w *Webhook) record(ctx context.Context, sts *appsv1.StatefulSet) error {
	at := w.now()
	if w.ZoneTrackerConfigMap == "" {
		patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, kube.AnnotationLastDownscale, at.UTC().Format(time.RFC3339))
		_, err := w.Kube.AppsV1().StatefulSets(sts.Namespace).Patch(ctx, sts.Name, types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	}
	cm, err := w.Kube.CoreV1().ConfigMaps(sts.Namespace).Get(ctx, w.ZoneTrackerConfigMap, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data[sts.Name] = zoneInfo(at)
	_, err = w.Kube.CoreV1().ConfigMaps(sts.Namespace).Update(ctx, cm, metav1.UpdateOptions{})
	return err
}
