package diff

import (
	"fmt"
	"reflect"

	"github.com/gonvenience/ytbx"
	"github.com/homeport/dyff/pkg/dyff"
	yamlv3 "go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// DefaultFieldManager is the field manager mimirctl applies with.
const DefaultFieldManager = "mimirctl"

// Options tune a comparison.
type Options struct {
	// FieldManager names the manager whose applied fields count as the
	// desired state's own: those the desired object no longer sets are
	// reported as removals. Default DefaultFieldManager.
	FieldManager string
}

// Pair is a desired object and its live counterpart. Live is nil when the
// object does not exist yet; Desired is nil when a live object is to be
// deleted.
type Pair struct {
	Desired *unstructured.Unstructured
	Live    *unstructured.Unstructured
}

// Compare compares each pair and reports the objects that differ, in the
// order given.
func Compare(pairs []Pair, opts Options) (*Report, error) {
	r := &Report{}
	for _, p := range pairs {
		d, err := CompareObject(p.Desired, p.Live, opts)
		if err != nil {
			return nil, err
		}
		if d != nil {
			r.Objects = append(r.Objects, *d)
		}
	}
	return r, nil
}

// CompareObject compares one desired object with its live counterpart (see
// Pair) and returns nil when an apply would change nothing.
func CompareObject(desired, live *unstructured.Unstructured, opts Options) (*ObjectDiff, error) {
	if opts.FieldManager == "" {
		opts.FieldManager = DefaultFieldManager
	}
	switch {
	case desired == nil && live == nil:
		return nil, nil
	case live == nil:
		return wholeObject(desired, ActionCreate)
	case desired == nil:
		return wholeObject(live, ActionDelete)
	}
	ref := RefOf(desired)
	owned, err := ownedFields(live, opts.FieldManager)
	if err != nil {
		return nil, fmt.Errorf("read the managed fields of %s: %w", ref, err)
	}
	want := runtime.DeepCopyJSON(desired.Object)
	have, _ := project(live.Object, want, owned).(map[string]any)
	want, _ = normalizeDesired(want, have, false).(map[string]any)
	if reflect.DeepEqual(want, have) {
		return nil, nil
	}
	report, err := compareValues("live "+ref.String(), have, "rendered "+ref.String(), want)
	if err != nil {
		return nil, fmt.Errorf("compare %s: %w", ref, err)
	}
	if len(report.Diffs) == 0 {
		return nil, nil
	}
	return &ObjectDiff{Ref: ref, Action: ActionUpdate, Changes: changesOf(report), report: report}, nil
}

// compareValues runs dyff on two JSON values.
func compareValues(fromName string, from any, toName string, to any) (dyff.Report, error) {
	fromDoc, err := document(from)
	if err != nil {
		return dyff.Report{}, err
	}
	toDoc, err := document(to)
	if err != nil {
		return dyff.Report{}, err
	}
	return dyff.CompareInputFiles(
		ytbx.InputFile{Location: fromName, Documents: []*yamlv3.Node{fromDoc}},
		ytbx.InputFile{Location: toName, Documents: []*yamlv3.Node{toDoc}},
		dyff.KubernetesEntityDetection(false),
	)
}

// document turns a JSON value into a YAML document node, keys sorted.
func document(v any) (*yamlv3.Node, error) {
	var content yamlv3.Node
	if err := content.Encode(v); err != nil {
		return nil, err
	}
	return &yamlv3.Node{Kind: yamlv3.DocumentNode, Content: []*yamlv3.Node{&content}}, nil
}

// wholeObject reports an object to be created or deleted.
func wholeObject(obj *unstructured.Unstructured, action Action) (*ObjectDiff, error) {
	ref := RefOf(obj)
	shown := StripServerFields(obj).Object
	if action == ActionCreate {
		shown, _ = normalizeDesired(shown, nil, false).(map[string]any)
	}
	doc, err := document(shown)
	if err != nil {
		return nil, fmt.Errorf("compare %s: %w", ref, err)
	}
	file := ytbx.InputFile{Location: ref.String(), Documents: []*yamlv3.Node{doc}}
	detail := dyff.Detail{Kind: dyff.ADDITION, To: doc}
	if action == ActionDelete {
		detail = dyff.Detail{Kind: dyff.REMOVAL, From: doc}
	}
	d := dyff.Diff{Path: &ytbx.Path{Root: &file}, Details: []dyff.Detail{detail}}
	report := dyff.Report{From: file, To: file, Diffs: []dyff.Diff{d}}
	return &ObjectDiff{Ref: ref, Action: action, Changes: changesOf(report), report: report}, nil
}

// ownedFields is the union of the fields manager has applied to obj.
func ownedFields(obj *unstructured.Unstructured, manager string) (*fieldpath.Set, error) {
	var owned *fieldpath.Set
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager != manager || mf.Operation != metav1.ManagedFieldsOperationApply || mf.FieldsV1 == nil {
			continue
		}
		s := &fieldpath.Set{}
		if err := s.FromJSON(mf.FieldsV1.GetRawReader()); err != nil {
			return nil, err
		}
		if owned == nil {
			owned = s
		} else {
			owned = owned.Union(s)
		}
	}
	return owned, nil
}
