package tankaenv

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// Apply server-side applies a rendered environment with mimirctl's field
// manager and ownership labels, as mimirctl's apply action does, and
// returns the objects as it sent them (labelled) and the environment's
// ownership. The environment renders its Namespace first
// (create_namespace), so an empty cluster works.
func Apply(ctx context.Context, clients *kube.Clients, res *tanka.Result) ([]*unstructured.Unstructured, kube.Ownership, error) {
	owned, own, err := envchange.AppliedObjects(res, false)
	if err != nil {
		return nil, own, err
	}
	if _, err := kube.Apply(ctx, clients.Dynamic, clients.Mapper, owned, kube.ApplyOptions{}); err != nil {
		return nil, own, fmt.Errorf("apply %s: %w", res.Env.Dir, err)
	}
	return owned, own, nil
}

// Workloads are the Deployments and StatefulSets among objs.
func Workloads(objs []*unstructured.Unstructured) []kube.Workload {
	var out []kube.Workload
	for _, o := range objs {
		if k := o.GetKind(); k == "Deployment" || k == "StatefulSet" {
			out = append(out, kube.Workload{Kind: k, Namespace: o.GetNamespace(), Name: o.GetName()})
		}
	}
	return out
}

// WaitReady waits until every Deployment and StatefulSet among objs has
// rolled out with all pods ready (bounded by ctx). progress, when not nil,
// gets one line per check naming what is still pending.
func WaitReady(ctx context.Context, clients *kube.Clients, objs []*unstructured.Unstructured, progress io.Writer) error {
	_, err := kube.WaitRollout(ctx, clients.Kube, Workloads(objs), kube.WaitOptions{Interval: 3 * time.Second},
		func(st []kube.RolloutStatus) {
			if progress == nil {
				return
			}
			var pending []string
			for _, s := range st {
				if !s.Done {
					pending = append(pending, s.Workload.Name+" "+s.Summary)
				}
			}
			fmt.Fprintf(progress, "%s waiting for %d workloads: %s\n", time.Now().Format(time.TimeOnly), len(pending), strings.Join(pending, "; "))
		})
	return err
}
