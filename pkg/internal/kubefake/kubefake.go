// Package kubefake is an API server for unit tests: a dynamic client whose
// server-side apply records managedFields under the applying field manager,
// as a real API server does. client-go's dynamic fake drops the apply
// options, so objects applied through it look applied by "unknown"; tests of
// pruning, ownership and diffs need the real manager.
package kubefake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/scheme"
	clienttesting "k8s.io/client-go/testing"
)

// Server holds objects of the built-in kinds (client-go's scheme) and
// answers get, list, delete and server-side apply.
type Server struct {
	tracker clienttesting.ObjectTracker
	fake    *dynamicfake.FakeDynamicClient
	mapper  meta.RESTMapper
}

// New returns a server holding objs, typed or unstructured, as stored
// (their managedFields as given).
func New(objs ...runtime.Object) (*Server, error) {
	s := &Server{
		tracker: clienttesting.NewFieldManagedObjectTracker(scheme.Scheme, scheme.Codecs.UniversalDecoder(), applyconfigurations.NewTypeConverter(scheme.Scheme)),
		fake:    dynamicfake.NewSimpleDynamicClient(scheme.Scheme),
		mapper:  testrestmapper.TestOnlyStaticRESTMapper(scheme.Scheme),
	}
	react := clienttesting.ObjectReaction(s.tracker)
	s.fake.PrependReactor("*", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		handled, obj, err := react(a)
		if err != nil || obj == nil {
			return handled, obj, err
		}
		out, err := toUnstructured(obj)
		return handled, out, err
	})
	for _, o := range objs {
		typed, err := typedOf(o)
		if err != nil {
			return nil, err
		}
		if err := s.tracker.Add(typed); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Dynamic is the client of the server.
func (s *Server) Dynamic() dynamic.Interface { return applying{s.fake, s} }

// Actions are the calls the server answered so far, in order (verb,
// resource, namespace; client-go's testing.Action).
func (s *Server) Actions() []clienttesting.Action { return s.fake.Actions() }

// Mapper maps the built-in kinds to their resources.
func (s *Server) Mapper() meta.ResettableRESTMapper { return resettable{s.mapper} }

// resettable is a static mapper: there is nothing to reset.
type resettable struct{ meta.RESTMapper }

func (resettable) Reset() {}

// Get returns the stored object of kind gvk, or nil when there is none.
func (s *Server) Get(gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	m, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	obj, err := s.tracker.Get(m.Resource, namespace, name)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return toUnstructured(obj)
}

// apply is a server-side apply by opts.FieldManager.
func (s *Server) apply(gvr schema.GroupVersionResource, ns string, obj *unstructured.Unstructured, opts metav1.ApplyOptions) (*unstructured.Unstructured, error) {
	if opts.FieldManager == "" {
		return nil, errors.New("server-side apply needs a field manager")
	}
	c := obj.DeepCopy()
	if err := s.tracker.Apply(gvr, c, ns, metav1.PatchOptions{FieldManager: opts.FieldManager, Force: &opts.Force, DryRun: opts.DryRun}); err != nil {
		return nil, err
	}
	stored, err := s.tracker.Get(gvr, ns, obj.GetName())
	if err != nil {
		return nil, err
	}
	return toUnstructured(stored)
}

// DecodeYAML reads a multi-document YAML stream of Kubernetes objects.
func DecodeYAML(data []byte) ([]runtime.Object, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []runtime.Object
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// typedOf converts an unstructured object of a built-in kind to its Go type,
// which the field-managed tracker needs.
func typedOf(o runtime.Object) (runtime.Object, error) {
	u, ok := o.(*unstructured.Unstructured)
	if !ok {
		return o, nil
	}
	typed, err := scheme.Scheme.New(u.GroupVersionKind())
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
		return nil, fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
	}
	typed.GetObjectKind().SetGroupVersionKind(u.GroupVersionKind())
	return typed, nil
}

// toUnstructured converts what the tracker stores (typed objects and lists)
// to what a dynamic client returns.
func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	if meta.IsListType(obj) {
		return listToUnstructured(obj)
	}
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		return nil, err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvks[0])
	return u, nil
}

// listToUnstructured converts a typed list, each item with its kind.
func listToUnstructured(list runtime.Object) (*unstructured.Unstructured, error) {
	objs, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		u, err := toUnstructured(o)
		if err != nil {
			return nil, err
		}
		items = append(items, u.Object)
	}
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "List", "items": items}}, nil
}

func isNotFound(err error) bool {
	var status interface{ Status() metav1.Status }
	return errors.As(err, &status) && status.Status().Reason == metav1.StatusReasonNotFound
}

// applying routes Apply to the server and everything else to the fake.
type applying struct {
	dynamic.Interface
	s *Server
}

func (a applying) Resource(r schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return applyingResource{a.Interface.Resource(r), r, a.s}
}

type applyingResource struct {
	dynamic.NamespaceableResourceInterface
	gvr schema.GroupVersionResource
	s   *Server
}

func (r applyingResource) Namespace(ns string) dynamic.ResourceInterface {
	return applyingNamespaced{r.NamespaceableResourceInterface.Namespace(ns), r.gvr, ns, r.s}
}

func (r applyingResource) Apply(_ context.Context, _ string, obj *unstructured.Unstructured, opts metav1.ApplyOptions, _ ...string) (*unstructured.Unstructured, error) {
	return r.s.apply(r.gvr, "", obj, opts)
}

type applyingNamespaced struct {
	dynamic.ResourceInterface
	gvr schema.GroupVersionResource
	ns  string
	s   *Server
}

func (r applyingNamespaced) Apply(_ context.Context, _ string, obj *unstructured.Unstructured, opts metav1.ApplyOptions, _ ...string) (*unstructured.Unstructured, error) {
	return r.s.apply(r.gvr, r.ns, obj, opts)
}
