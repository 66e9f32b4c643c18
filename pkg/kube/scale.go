package kube

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/diff"
)

// Scale sets a Deployment's or StatefulSet's replicas through the scale
// subresource (what `kubectl scale` does), which admission webhooks such as
// rollout-operator's prepare-downscale see. It returns the replicas before
// the change. A webhook refusal is an *AdmissionDeniedError quoting the
// webhook's message.
func Scale(ctx context.Context, cs kubernetes.Interface, w Workload, replicas int32) (previous int32, err error) {
	op := fmt.Sprintf("scale %s to %d", w, replicas)
	if replicas < 0 {
		return 0, fmt.Errorf("%s: replicas must not be negative", op)
	}
	get, patch, err := scaleClient(cs, w)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	var current *autoscalingv1.Scale
	err = withRetry(ctx, func() (err error) {
		current, err = get(ctx, w.Name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: read the current scale: %w", op, err)
	}
	if current.Spec.Replicas == replicas {
		return replicas, nil
	}
	body := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	err = withRetry(ctx, func() error {
		_, err := patch(ctx, w.Name, types.MergePatchType, body, metav1.PatchOptions{FieldManager: ScaleFieldManager}, "scale")
		return err
	})
	if err != nil {
		ref := diff.Ref{APIVersion: "apps/v1", Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
		return current.Spec.Replicas, explainAPIError(op, ref, err)
	}
	return current.Spec.Replicas, nil
}

type (
	getScaleFunc func(ctx context.Context, name string, opts metav1.GetOptions) (*autoscalingv1.Scale, error)
	patchFunc    func(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, sub ...string) (any, error)
)

func scaleClient(cs kubernetes.Interface, w Workload) (getScaleFunc, patchFunc, error) {
	switch w.Kind {
	case "Deployment":
		c := cs.AppsV1().Deployments(w.Namespace)
		return c.GetScale, func(ctx context.Context, n string, pt types.PatchType, d []byte, o metav1.PatchOptions, sub ...string) (any, error) {
			return c.Patch(ctx, n, pt, d, o, sub...)
		}, nil
	case "StatefulSet":
		c := cs.AppsV1().StatefulSets(w.Namespace)
		return c.GetScale, func(ctx context.Context, n string, pt types.PatchType, d []byte, o metav1.PatchOptions, sub ...string) (any, error) {
			return c.Patch(ctx, n, pt, d, o, sub...)
		}, nil
	}
	return nil, nil, fmt.Errorf("only Deployments and StatefulSets can be scaled, not %s", w.Kind)
}
