package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestDefaultNamespacePutsOnlyNamespacedObjectsWithoutOneInIt(t *testing.T) {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}, meta.RESTScopeRoot)
	obj := func(apiVersion, kind, ns string) *unstructured.Unstructured {
		o := &unstructured.Unstructured{}
		o.SetAPIVersion(apiVersion)
		o.SetKind(kind)
		o.SetName("x")
		o.SetNamespace(ns)
		return o
	}
	none, other, cluster := obj("v1", "ConfigMap", ""), obj("v1", "ConfigMap", "other"), obj("rbac.authorization.k8s.io/v1", "ClusterRole", "")
	if err := DefaultNamespace(m, []*unstructured.Unstructured{none, other, cluster}, "mimir"); err != nil {
		t.Fatal(err)
	}
	if none.GetNamespace() != "mimir" || other.GetNamespace() != "other" || cluster.GetNamespace() != "" {
		t.Errorf("namespaces %q %q %q, want mimir, other (kept) and none (cluster-scoped)", none.GetNamespace(), other.GetNamespace(), cluster.GetNamespace())
	}
	err := DefaultNamespace(m, []*unstructured.Unstructured{obj("monitoring.coreos.com/v1", "ServiceMonitor", "")}, "mimir")
	if err == nil || !strings.Contains(err.Error(), "ServiceMonitor") || !strings.Contains(err.Error(), "CRD") {
		t.Errorf("unknown kind: error %v, want one naming the object and its CRD", err)
	}
}
