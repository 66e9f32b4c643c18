package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/scheme"
)

// fakeApplyDynamic is a dynamic client whose Apply records its options
// and answers queued errors first; everything else goes to the fake.
type fakeApplyDynamic struct {
	dynamic.Interface
	applied []string // "<manager> force=<bool> <name>"
	fail    []error
}

func (f *fakeApplyDynamic) Resource(r schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return fakeApplyResource{f.Interface.Resource(r), f}
}

type fakeApplyResource struct {
	dynamic.NamespaceableResourceInterface
	f *fakeApplyDynamic
}

func (r fakeApplyResource) Namespace(ns string) dynamic.ResourceInterface {
	return fakeApplyNamespaced{r.NamespaceableResourceInterface.Namespace(ns), r.f}
}

type fakeApplyNamespaced struct {
	dynamic.ResourceInterface
	f *fakeApplyDynamic
}

func (r fakeApplyNamespaced) Apply(_ context.Context, name string, obj *unstructured.Unstructured, opts metav1.ApplyOptions, _ ...string) (*unstructured.Unstructured, error) {
	if len(r.f.fail) > 0 {
		err := r.f.fail[0]
		r.f.fail = r.f.fail[1:]
		return nil, err
	}
	r.f.applied = append(r.f.applied, fmt.Sprintf("%s force=%v %s", opts.FieldManager, opts.Force, name))
	out := obj.DeepCopy()
	out.SetResourceVersion("1")
	return out, nil
}

func configMap(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func fieldConflict(manager, field string) error {
	err := apierrors.NewApplyConflict([]metav1.StatusCause{{
		Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "` + manager + `" using apps/v1`, Field: field,
	}}, "Apply failed with 1 conflict")
	return err
}

func TestApply(t *testing.T) {
	gr := schema.GroupResource{Resource: "configmaps"}
	tests := []struct {
		behaviour string
		fail      []error
		opts      ApplyOptions
		applied   string
		check     func(t *testing.T, err error)
	}{
		{"objects are applied in order with the mimirctl field manager", nil, ApplyOptions{},
			"mimirctl force=false a,mimirctl force=false b", nil},
		{"force-conflicts is passed on", nil, ApplyOptions{ForceConflicts: true},
			"mimirctl force=true a,mimirctl force=true b", nil},
		{"transient failures are retried", []error{apierrors.NewServiceUnavailable("etcd leader change"), apierrors.NewTooManyRequests("slow down", 1)},
			ApplyOptions{}, "mimirctl force=false a,mimirctl force=false b", nil},
		{"a field conflict names the other manager and is not retried", []error{fieldConflict("kubectl-edit", ".spec.replicas")},
			ApplyOptions{}, "", func(t *testing.T, err error) {
				var ce *ConflictError
				if !errors.As(err, &ce) || ce.Conflicts[0] != (FieldConflict{Field: ".spec.replicas", Manager: "kubectl-edit"}) ||
					!strings.Contains(err.Error(), "--force-conflicts") {
					t.Fatalf("want a *ConflictError with kubectl-edit, got %v", err)
				}
			}},
		{"an admission refusal quotes the webhook", []error{apierrors.NewForbidden(gr, "a",
			errors.New(`admission webhook "no-downscale.grafana.com" denied the request: downscale of statefulsets/ingester-zone-a in mimir from 3 to 2 replicas is not allowed`))},
			ApplyOptions{}, "", func(t *testing.T, err error) {
				var ad *AdmissionDeniedError
				if !errors.As(err, &ad) || ad.Webhook != "no-downscale.grafana.com" || !strings.Contains(ad.Message, "from 3 to 2 replicas") {
					t.Fatalf("want an *AdmissionDeniedError, got %v", err)
				}
			}},
		{"a validation error names the object", []error{apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "a", nil)},
			ApplyOptions{}, "", func(t *testing.T, err error) {
				if err == nil || !strings.HasPrefix(err.Error(), "apply ConfigMap mimir/a: ") {
					t.Fatalf("want an error naming the object, got %v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			srv := &fakeApplyDynamic{Interface: dynamicfake.NewSimpleDynamicClient(scheme.Scheme), fail: tt.fail}
			out, err := Apply(context.Background(), srv, fakeMapper(), []*unstructured.Unstructured{configMap("a"), configMap("b")}, tt.opts)
			if tt.check != nil {
				tt.check(t, err)
				if len(out) != 0 {
					t.Fatalf("a failed first apply returned %d applied objects", len(out))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(srv.applied, ","); got != tt.applied || len(out) != 2 || out[0].GetResourceVersion() != "1" {
				t.Fatalf("applied %q (%d returned), want %q", got, len(out), tt.applied)
			}
		})
	}
}

func TestIsTransient(t *testing.T) {
	gr := schema.GroupResource{Group: "apps", Resource: "statefulsets"}
	tests := []struct {
		behaviour string
		err       error
		want      bool
	}{
		{"a server timeout is transient", apierrors.NewServerTimeout(gr, "get", 1), true},
		{"throttling is transient", apierrors.NewTooManyRequests("later", 1), true},
		{"an internal error is transient", apierrors.NewInternalError(errors.New("boom")), true},
		{"an optimistic-concurrency conflict is transient", apierrors.NewConflict(gr, "x", errors.New("the object has been modified")), true},
		{"a field manager conflict is not", fieldConflict("helm", ".spec"), false},
		{"not found is not", apierrors.NewNotFound(gr, "x"), false},
		{"forbidden is not", apierrors.NewForbidden(gr, "x", errors.New("no")), false},
		{"a cancelled context is not", context.Canceled, false},
		{"nil is not", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			if got := IsTransient(tt.err); got != tt.want {
				t.Fatalf("IsTransient(%v) = %v", tt.err, got)
			}
		})
	}
}
