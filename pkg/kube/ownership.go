package kube

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Ownership identifies the objects of one Tanka environment.
type Ownership struct {
	// EnvironmentID is the environment's Tanka name label (tanka
	// Spec.NameLabel): the value of LabelEnvironment on what mimirctl
	// applies, and of LabelTankaEnvironment on what `tk apply` applies
	// with spec.injectLabels.
	EnvironmentID string
}

// Reasons a labelled object that is no longer rendered is left in place.
const (
	// KeptTankaLabel: only Tanka's label names the environment. Tanka's
	// value is a hash of the environment's path, which another repository
	// with the same path shares (grafana/tanka#824), so it proves nothing.
	KeptTankaLabel = "labelled by a Tanka environment of the same name; not deleting (use tk prune if they are really yours)"
	// KeptNotApplied: mimirctl's label without mimirctl's field manager
	// (copied labels, or applied by another tool).
	KeptNotApplied = "carries " + LabelEnvironment + " but mimirctl never applied it (no field manager " + FieldManager + "); not deleting (delete it yourself if it is really this environment's)"
	// KeptClusterScoped: a cluster-scoped object (a Namespace, a
	// ClusterRole, a webhook, a CRD) is shared by every namespace, and the
	// environment id is not unique to one namespace: Tanka hashes the
	// environment's name and path, so the same environment deployed into two
	// namespaces of one cluster labels both alike. Deleting one could take
	// another deployment down (a Namespace takes every object and volume in
	// it along), so such objects are listed and left alone.
	KeptClusterScoped = "cluster-scoped, and environments deployed into other namespaces may carry the same id; not deleting (delete it yourself if nothing uses it)"
	// KeptOtherEnvironment: no label names this environment.
	KeptOtherEnvironment = "not labelled " + LabelEnvironment + " with this environment's id; not deleting"
)

// Validate refuses an empty identity, which would make every object look
// owned or none.
func (o Ownership) Validate() error {
	if o.EnvironmentID == "" {
		return fmt.Errorf("ownership: empty environment id")
	}
	return nil
}

// Label returns copies of objs carrying the ownership labels: LabelEnvironment
// always, LabelManagedBy unless the object sets it.
func (o Ownership) Label(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, obj := range objs {
		c := obj.DeepCopy()
		labels := c.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[LabelEnvironment] = o.EnvironmentID
		if _, set := labels[LabelManagedBy]; !set {
			labels[LabelManagedBy] = ManagedByValue
		}
		c.SetLabels(labels)
		out[i] = c
	}
	return out
}

// Applied reports whether mimirctl applied obj for this environment: obj
// carries LabelEnvironment with this environment's id and its managedFields
// name FieldManager. Only such objects are ever pruned.
func (o Ownership) Applied(obj *unstructured.Unstructured) bool {
	return o.KeptReason(obj) == ""
}

// KeptReason says why obj is not mimirctl's to delete (KeptTankaLabel,
// KeptNotApplied, KeptOtherEnvironment), or "" when it is.
func (o Ownership) KeptReason(obj *unstructured.Unstructured) string {
	l := obj.GetLabels()
	switch {
	case o.EnvironmentID == "":
		return KeptOtherEnvironment
	case l[LabelEnvironment] == o.EnvironmentID:
		for _, mf := range obj.GetManagedFields() {
			if mf.Manager == FieldManager {
				return ""
			}
		}
		return KeptNotApplied
	case l[LabelTankaEnvironment] == o.EnvironmentID:
		return KeptTankaLabel
	}
	return KeptOtherEnvironment
}

// selectors are the label selectors that find this environment's objects:
// mimirctl's own, and Tanka's (to name what is left alone).
func (o Ownership) selectors() []string {
	return []string{
		LabelEnvironment + "=" + o.EnvironmentID,
		LabelTankaEnvironment + "=" + o.EnvironmentID,
	}
}
