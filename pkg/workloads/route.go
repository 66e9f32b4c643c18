package workloads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// RouteServiceSpec is the `routeService` action: point a Service that carries
// client traffic (a gateway, an ingress backend) at other pods by replacing
// its selector, e.g. reads from the query-frontends to mimir-read. It is what
// a manual "route traffic" step does when the routing lives in the cluster.
type RouteServiceSpec struct {
	Service  string            `yaml:"service" json:"service"`
	Selector map[string]string `yaml:"selector" json:"selector"`
}

// Validate checks the spec.
func (s *RouteServiceSpec) Validate() error {
	var errs []error
	if !dnsName(s.Service) {
		errs = append(errs, fmt.Errorf("service %q is not a Service name", s.Service))
	}
	if len(s.Selector) == 0 {
		errs = append(errs, errors.New("selector: missing; give the labels of the pods to route to, e.g. {name: mimir-read}"))
	}
	return errors.Join(errs...)
}

// Describe says where traffic goes.
func (s *RouteServiceSpec) Describe() string {
	return fmt.Sprintf("route Service %s to pods %s", s.Service, selectorString(s.Selector))
}

func selectorString(sel map[string]string) string {
	keys := make([]string, 0, len(sel))
	for k := range sel {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + sel[k]
	}
	return strings.Join(parts, ",")
}

type routeService struct {
	spec *RouteServiceSpec
	d    Deps
}

// Check is done when the Service selects exactly those labels.
func (a *routeService) Check(ctx context.Context) (bool, string, error) {
	svc, err := a.d.Kube.CoreV1().Services(a.d.Namespace).Get(ctx, a.spec.Service, metav1.GetOptions{})
	if err != nil {
		return false, "", fmt.Errorf("read Service %s/%s: %w", a.d.Namespace, a.spec.Service, err)
	}
	cur := selectorString(svc.Spec.Selector)
	return maps.Equal(svc.Spec.Selector, a.spec.Selector), "selects " + cur, nil
}

// Apply replaces the selector (a JSON merge patch cannot drop keys, so the
// selector is replaced as a whole with a strategic merge "replace"). It
// refuses to route to a selector that matches no ready pod: that would cut
// the traffic off, and gates that wait for the old pods to go idle would pass.
func (a *routeService) Apply(ctx context.Context, p plan.Progress) error {
	ready, total, err := kube.ReadyPods(ctx, a.d.Kube, a.d.Namespace, a.spec.Selector)
	if err != nil {
		return fmt.Errorf("route Service %s/%s: %w", a.d.Namespace, a.spec.Service, err)
	}
	if ready == 0 {
		return fmt.Errorf("route Service %s/%s: no ready pod matches %s in namespace %s (%d match, none ready); the Service is left as it is: fix the selector in the plan or wait until those pods are ready, then resume",
			a.d.Namespace, a.spec.Service, selectorString(a.spec.Selector), a.d.Namespace, total)
	}
	sel := map[string]any{"$patch": "replace"}
	for k, v := range a.spec.Selector {
		sel[k] = v
	}
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"selector": sel}})
	if err != nil {
		return err
	}
	_, err = a.d.Kube.CoreV1().Services(a.d.Namespace).Patch(ctx, a.spec.Service, types.StrategicMergePatchType, patch,
		metav1.PatchOptions{FieldManager: "mimirctl-route"})
	if err != nil {
		return fmt.Errorf("route Service %s/%s: %w", a.d.Namespace, a.spec.Service, err)
	}
	p.Report(fmt.Sprintf("%s (%d ready)", a.spec.Describe(), ready))
	return nil
}
