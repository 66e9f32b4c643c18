package ringcheck

import (
	"context"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/invocation"
)

// NotPods returns the instances of r, in page order, that belong to none of
// pods: their id is no pod's name (Mimir's instance id defaults to the
// hostname, the pod's name) and their address's host is no pod's IP (for
// instance ids set by hand). LEFT instances are gone and never returned.
//
// Such an instance is usually another system's process that joined the
// ring through memberlist (a Loki or Tempo member gossiping on the same
// port, grafana/mimir#6187), or one of a pod that no longer exists.
func NotPods(r *Ring, pods []corev1.Pod) []Instance {
	names := make(map[string]bool, len(pods))
	ips := make(map[string]bool, len(pods))
	for _, p := range pods {
		names[p.Name] = true
		if p.Status.PodIP != "" {
			ips[p.Status.PodIP] = true
		}
		for _, ip := range p.Status.PodIPs {
			ips[ip.IP] = true
		}
	}
	var out []Instance
	for _, in := range r.Instances {
		if in.State == StateLeft || names[in.ID] {
			continue
		}
		host := in.Address
		if h, _, err := net.SplitHostPort(in.Address); err == nil {
			host = h
		}
		if host != "" && ips[host] {
			continue
		}
		out = append(out, in)
	}
	return out
}

// ForeignInstances lists the pods of namespace (every pod, whatever its
// phase) and returns the instances of r that belong to none of them
// (NotPods). Listing the pods can fail; then nothing can be told.
func ForeignInstances(ctx context.Context, cs kubernetes.Interface, namespace string, r *Ring) ([]Instance, error) {
	list, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the pods of namespace %s to match ring instances to them: %w", namespace, err)
	}
	return NotPods(r, list.Items), nil
}

// DescribeForeign says what a foreign instance (from NotPods) is and what to
// do about it, e.g. "ring ingester holds logs-ingester-1 (no zone), which is
// not a pod of namespace mimir — another cluster's members may have joined
// this ring; ...". ring names the ring.
func DescribeForeign(ring, namespace string, in Instance) string {
	zone := in.Zone
	if zone == "" {
		zone = "no zone"
	}
	return fmt.Sprintf("ring %s holds %s (%s), which is not a pod of namespace %s — another cluster's members may have joined this ring (%s, address %s); "+
		"keep them out with a memberlist cluster label (plan memberlist-cluster-label), then forget the instance once it is unhealthy (%s)",
		ring, in.ID, zone, namespace, in.State, in.Address, invocation.Command("ring", ring, "--forget", in.ID))
}
