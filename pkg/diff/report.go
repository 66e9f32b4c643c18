package diff

import (
	"fmt"

	"github.com/homeport/dyff/pkg/dyff"
	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Ref names an object.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// RefOf names obj.
func RefOf(obj *unstructured.Unstructured) Ref {
	return Ref{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// String is "Kind namespace/name", or "Kind name" for cluster-wide objects.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return fmt.Sprintf("%s %s/%s", r.Kind, r.Namespace, r.Name)
}

// Action is what applying the desired state does to an object.
type Action string

const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// ChangeKind is the kind of one difference.
type ChangeKind string

const (
	Added        ChangeKind = "added"
	Removed      ChangeKind = "removed"
	Modified     ChangeKind = "modified"
	OrderChanged ChangeKind = "order-changed"
)

// Change is one difference, from the live state to the desired one.
type Change struct {
	// Path is a go-patch style path, e.g.
	// /spec/template/spec/containers/name=querier/args; "/" for a whole
	// object.
	Path string     `json:"path"`
	Kind ChangeKind `json:"kind"`
	From any        `json:"from,omitempty"`
	To   any        `json:"to,omitempty"`
}

// ObjectDiff is how one object differs.
type ObjectDiff struct {
	Ref     Ref      `json:"object"`
	Action  Action   `json:"action"`
	Changes []Change `json:"changes"`
	report  dyff.Report
}

// Report holds the objects that differ.
type Report struct {
	Objects []ObjectDiff `json:"objects"`
}

// Empty reports whether nothing differs.
func (r *Report) Empty() bool { return len(r.Objects) == 0 }

// Summary counts objects by action, e.g. "1 to create, 2 to update, 0 to
// delete".
func (r *Report) Summary() string {
	n := map[Action]int{}
	for _, o := range r.Objects {
		n[o.Action]++
	}
	return fmt.Sprintf("%d to create, %d to update, %d to delete", n[ActionCreate], n[ActionUpdate], n[ActionDelete])
}

var changeKinds = map[rune]ChangeKind{
	dyff.ADDITION: Added, dyff.REMOVAL: Removed, dyff.MODIFICATION: Modified, dyff.ORDERCHANGE: OrderChanged,
}

// changesOf flattens a dyff report into changes.
func changesOf(r dyff.Report) []Change {
	var out []Change
	for _, d := range r.Diffs {
		path := "/"
		if d.Path != nil && len(d.Path.PathElements) > 0 {
			path = d.Path.ToGoPatchStyle()
		}
		for _, det := range d.Details {
			out = append(out, Change{Path: path, Kind: changeKinds[det.Kind], From: nodeValue(det.From), To: nodeValue(det.To)})
		}
	}
	return out
}

func nodeValue(n *yamlv3.Node) any {
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return v
}

// serverMetadata are metadata fields the API server sets.
var serverMetadata = []string{
	"managedFields", "resourceVersion", "uid", "generation", "creationTimestamp", "selfLink",
	"deletionTimestamp", "deletionGracePeriodSeconds",
}

// serverAnnotations are annotations controllers and kubectl write.
var serverAnnotations = []string{
	"deployment.kubernetes.io/revision",
	"kubectl.kubernetes.io/last-applied-configuration",
}

// StripServerFields returns a copy of obj without status and the metadata
// the server owns, as shown for objects to be deleted.
func StripServerFields(obj *unstructured.Unstructured) *unstructured.Unstructured {
	c := obj.DeepCopy()
	delete(c.Object, "status")
	for _, f := range serverMetadata {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	if ann := c.GetAnnotations(); ann != nil {
		for _, a := range serverAnnotations {
			delete(ann, a)
		}
		if len(ann) == 0 {
			ann = nil
		}
		c.SetAnnotations(ann)
	}
	return c
}
