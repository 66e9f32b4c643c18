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

// Owns reports whether obj belongs to this environment.
func (o Ownership) Owns(obj *unstructured.Unstructured) bool {
	if o.EnvironmentID == "" {
		return false
	}
	l := obj.GetLabels()
	return l[LabelEnvironment] == o.EnvironmentID || l[LabelTankaEnvironment] == o.EnvironmentID
}

// selectors are the label selectors that find this environment's objects.
func (o Ownership) selectors() []string {
	return []string{
		LabelEnvironment + "=" + o.EnvironmentID,
		LabelTankaEnvironment + "=" + o.EnvironmentID,
	}
}
