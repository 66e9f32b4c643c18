package nodeagent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
)

// Version is what nodes report as kubelet version.
const Version = "v1.34.4"

// NodeObject is the Node a local node registers as.
func NodeObject(n Node, hostIP string) *corev1.Node {
	res := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("64"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: n.Name,
			Labels: map[string]string{
				config.LabelZone:     n.Zone,
				config.LabelHostname: n.Name,
				config.LabelOS:       "linux",
				config.LabelArch:     "amd64",
			},
		},
		Status: corev1.NodeStatus{
			Capacity:    res,
			Allocatable: res,
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: hostIP},
				{Type: corev1.NodeHostName, Address: n.Name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: config.KubeletPort}},
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion: Version, OperatingSystem: "linux", Architecture: "amd64",
				ContainerRuntimeVersion: "mctl://local", OSImage: "mimirctl local cluster",
			},
			Conditions: nodeConditions(now()),
		},
	}
}

func nodeConditions(t time.Time) []corev1.NodeCondition {
	ts := metav1.NewTime(t)
	cond := func(typ corev1.NodeConditionType, status corev1.ConditionStatus, reason string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: typ, Status: status, Reason: reason, LastHeartbeatTime: ts, LastTransitionTime: ts}
	}
	return []corev1.NodeCondition{
		cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady"),
		cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory"),
		cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure"),
		cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID"),
	}
}

// registerNodes creates (or refreshes) every node and its lease.
func (a *Agent) registerNodes(ctx context.Context) error {
	nodes := a.cfg.Client.CoreV1().Nodes()
	for _, n := range a.cfg.Nodes {
		want := NodeObject(n, a.cfg.HostIP().String())
		got, err := nodes.Create(ctx, want, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			got, err = nodes.Get(ctx, n.Name, metav1.GetOptions{})
		}
		if err != nil {
			return fmt.Errorf("register node %s: %w", n.Name, err)
		}
		if err := a.patchNodeStatus(ctx, n.Name, want.Status); err != nil {
			return err
		}
		if err := a.untaint(ctx, n.Name); err != nil {
			return err
		}
		if err := a.renewLease(ctx, got); err != nil {
			return err
		}
	}
	return nil
}

// heartbeat renews node leases and refreshes Ready conditions until ctx ends.
func (a *Agent) heartbeat(ctx context.Context) {
	t := time.NewTicker(config.LeaseRenewInterval)
	defer t.Stop()
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, n := range a.cfg.Nodes {
			node, err := a.cfg.Client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if err == nil {
				err = a.renewLease(ctx, node)
			}
			if err == nil && i%6 == 0 {
				// Only the conditions: a NodeStatus would also blank nodeInfo and
				// the kubelet port (those fields are not omitempty).
				err = a.patchNodeStatus(ctx, n.Name, map[string]any{"conditions": nodeConditions(now())})
			}
			if err != nil && ctx.Err() == nil {
				a.cfg.Log.Warn("node heartbeat failed", "node", n.Name, "err", err)
			}
		}
	}
}

// startupTaints are added at registration by the TaintNodesByCondition
// admission plugin and normally removed by the node lifecycle controller,
// which this cluster does not run.
var startupTaints = map[string]bool{corev1.TaintNodeNotReady: true, corev1.TaintNodeUnreachable: true}

// untaint removes the startup taints: the node is ready as soon as it is
// registered.
func (a *Agent) untaint(ctx context.Context, name string) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := a.cfg.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var keep []corev1.Taint
		for _, t := range node.Spec.Taints {
			if !startupTaints[t.Key] {
				keep = append(keep, t)
			}
		}
		if len(keep) == len(node.Spec.Taints) {
			return nil
		}
		node.Spec.Taints = keep
		_, err = a.cfg.Client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

// patchNodeStatus merges st (a NodeStatus or a map of some of its fields)
// into the node's status, with no version conflicts with controllers that
// touch the node meanwhile.
func (a *Agent) patchNodeStatus(ctx context.Context, name string, st any) error {
	data, err := json.Marshal(map[string]any{"status": st})
	if err != nil {
		return err
	}
	_, err = a.cfg.Client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("report status of node %s: %w", name, err)
	}
	return nil
}

func (a *Agent) renewLease(ctx context.Context, node *corev1.Node) error {
	leases := a.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	renew := metav1.NewMicroTime(now())
	l, err := leases.Get(ctx, node.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Name: node.Name, Namespace: corev1.NamespaceNodeLease,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}},
			},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       ptr.To(node.Name),
				LeaseDurationSeconds: ptr.To(int32(config.LeaseDuration / time.Second)),
				RenewTime:            &renew,
			},
		}
		_, err = leases.Create(ctx, l, metav1.CreateOptions{})
	} else if err == nil {
		l.Spec.RenewTime = &renew
		_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("renew lease of node %s: %w", node.Name, err)
	}
	return nil
}
