package kube

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/mimirctl/mimirctl/pkg/diff"
)

// ApplyOptions tune server-side apply.
type ApplyOptions struct {
	// ForceConflicts takes over fields other managers own instead of
	// failing with *ConflictError.
	ForceConflicts bool
	// DryRun asks the server to run admission and validation and return
	// the result without storing it.
	DryRun bool
	// FieldManager defaults to FieldManager.
	FieldManager string
}

// Apply server-side applies objs in order and returns the objects as the
// server stored them. It stops at the first failure, returning the objects
// applied so far and *ConflictError, *AdmissionDeniedError or a wrapped API
// error naming the object. Label objects with Ownership.Label first.
func Apply(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, objs []*unstructured.Unstructured, opts ApplyOptions) ([]*unstructured.Unstructured, error) {
	if opts.FieldManager == "" {
		opts.FieldManager = FieldManager
	}
	applyOpts := metav1.ApplyOptions{FieldManager: opts.FieldManager, Force: opts.ForceConflicts}
	if opts.DryRun {
		applyOpts.DryRun = []string{metav1.DryRunAll}
	}
	applied := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		out, err := applyOne(ctx, dyn, mapper, obj, applyOpts)
		if err != nil {
			return applied, err
		}
		applied = append(applied, out)
	}
	return applied, nil
}

func applyOne(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured, opts metav1.ApplyOptions) (*unstructured.Unstructured, error) {
	ref := diff.RefOf(obj)
	rc, err := client(dyn, mapper, obj)
	if err != nil {
		return nil, err
	}
	var out *unstructured.Unstructured
	err = withRetry(ctx, func() error {
		var applyErr error
		out, applyErr = rc.Apply(ctx, obj.GetName(), obj, opts)
		return applyErr
	})
	if err != nil {
		return nil, explainAPIError("apply "+ref.String(), ref, err)
	}
	return out, nil
}
