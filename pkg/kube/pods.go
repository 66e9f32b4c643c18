package kube

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// ReadyPods counts the pods of namespace ns that match selector and are
// Ready (and not being deleted), and all that match.
func ReadyPods(ctx context.Context, cs kubernetes.Interface, ns string, selector map[string]string) (ready, total int, err error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(selector).String()})
	if err != nil {
		return 0, 0, fmt.Errorf("list pods %s in %s: %w", labels.SelectorFromSet(selector), ns, err)
	}
	for i := range list.Items {
		p := &list.Items[i]
		if p.DeletionTimestamp == nil && podReady(p) {
			ready++
		}
	}
	return ready, len(list.Items), nil
}
