package scenario

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mimirctl/mimirctl/pkg/kube"
)

// Gateway Services: the user's load balancer. They are not part of the Tanka
// environment, as a user's ingress usually is not; mimirctl's plans switch
// them with their routeService action.
const (
	GatewayWrite   = "gateway-write"
	GatewayRead    = "gateway-read"
	GatewayBackend = "gateway-backend"
)

// Name selects the pods whose name label is n (a microservice's
// Deployment or a Deployment of read-write mode such as mimir-read).
func Name(n string) map[string]string { return map[string]string{"name": n} }

// Gateways creates Services named after the keys, selecting the pods whose
// labels match the value (a Service selector: label → value, all must
// match), as the plans' routeService action sets them.
func Gateways(ctx context.Context, c *kube.Clients, ns string, selectors map[string]map[string]string) error {
	for svc, selector := range selectors {
		s := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: svc, Namespace: ns},
			Spec: corev1.ServiceSpec{
				Selector: selector,
				Ports:    []corev1.ServicePort{{Name: "http-metrics", Port: 8080, TargetPort: intstr.FromInt32(8080)}},
			},
		}
		if _, err := c.Kube.CoreV1().Services(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create gateway %s: %w", svc, err)
		}
	}
	return nil
}

// ServiceURL is the API server's proxy to a Service's http-metrics port: the
// suite reaches the gateways without a route into the pod network.
func ServiceURL(c *kube.Clients, ns, svc, path string) string {
	return strings.TrimSuffix(c.Config.Host, "/") + fmt.Sprintf("/api/v1/namespaces/%s/services/%s:http-metrics/proxy%s", ns, svc, path)
}
