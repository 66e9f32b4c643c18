package podaccess

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// DefaultPortName is the container port name Mimir's jsonnet and Helm chart
// give the HTTP server.
const DefaultPortName = "http-metrics"

// DefaultPort is Mimir's HTTP port in jsonnet (server.http_listen_port).
const DefaultPort = 8080

// Selector chooses pods in a step file: by label selector, by name pattern, or
// both. Port picks the HTTP port; when zero, the container port named
// PortName (default "http-metrics") is used, then DefaultPort.
//
// With neither labels nor names, PortName alone selects: every pod of the
// namespace that declares a container port of that name. Mimir's jsonnet and
// Helm chart name Mimir's HTTP port http-metrics, so `pods: {portName:
// http-metrics}` is every Mimir pod whatever its labels (and exporters that
// use the same name), without Consul or etcd pods.
type Selector struct {
	// Labels is a Kubernetes label selector, e.g. "name=distributor" or
	// "rollout-group in (ingester, mimir-write)".
	Labels string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// Names is a regular expression matched against the whole pod name,
	// e.g. "ingester-zone-a-[0-9]+".
	Names    string `yaml:"names,omitempty" json:"names,omitempty"`
	Port     int    `yaml:"port,omitempty" json:"port,omitempty"`
	PortName string `yaml:"portName,omitempty" json:"portName,omitempty"`
}

// ByPortNameAlone reports a selection of every pod of the namespace with a
// container port named PortName, whatever its labels and name: "every
// Mimir pod", which may also select other pods that name a port so.
func (s Selector) ByPortNameAlone() bool {
	return s.Labels == "" && s.Names == "" && s.PortName != ""
}

// Validate reports a selector that selects nothing by construction or does not
// parse.
func (s Selector) Validate() error {
	if s.Labels == "" && s.Names == "" && s.PortName == "" {
		return fmt.Errorf("pod selector needs labels or names (or portName alone: every pod of the namespace with a container port of that name)")
	}
	if s.Labels != "" {
		if _, err := labels.Parse(s.Labels); err != nil {
			return fmt.Errorf("labels %q: %w", s.Labels, err)
		}
	}
	if s.Names != "" {
		if _, err := regexp.Compile("^(?:" + s.Names + ")$"); err != nil {
			return fmt.Errorf("names %q: %w", s.Names, err)
		}
	}
	if s.Port < 0 || s.Port > 65535 {
		return fmt.Errorf("port %d out of range", s.Port)
	}
	return nil
}

// String describes the selector for messages.
func (s Selector) String() string {
	switch {
	case s.Labels != "" && s.Names != "":
		return fmt.Sprintf("pods matching %q named /%s/", s.Labels, s.Names)
	case s.Labels != "":
		return fmt.Sprintf("pods matching %q", s.Labels)
	case s.Names == "" && s.PortName != "":
		return fmt.Sprintf("pods with a port named %s", s.PortName)
	default:
		return fmt.Sprintf("pods named /%s/", s.Names)
	}
}

// SelectsTemplate reports whether sel selects the pods a workload makes from
// tmpl, judged on the pod named pod (a StatefulSet's "<name>-0"): its
// template labels, that name, and for a portName-only selector the
// template's container ports. It needs no pod to exist, so it finds the
// workloads whose pods are missing. A selector that does not parse is an
// error (see Validate).
func (s Selector) SelectsTemplate(pod string, tmpl *corev1.PodTemplateSpec) (bool, error) {
	if err := s.Validate(); err != nil {
		return false, err
	}
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pod, Labels: tmpl.Labels}, Spec: tmpl.Spec}
	if s.Labels != "" {
		sel, _ := labels.Parse(s.Labels) // parsed by Validate
		if !sel.Matches(labels.Set(p.Labels)) {
			return false, nil
		}
	}
	if s.Names != "" && !regexp.MustCompile("^(?:"+s.Names+")$").MatchString(pod) {
		return false, nil
	}
	if s.Labels == "" && s.Names == "" && !hasPort(&p, s.PortName) {
		return false, nil
	}
	return true, nil
}

// Resolved is the outcome of selecting pods: the targets that can be reached
// and the selected pods that cannot (not running, no IP, being deleted).
type Resolved struct {
	Targets  []Target
	NotReady []string // "name: reason"
	// Terminating names the pods of NotReady that are being deleted: no
	// Service sends them new requests, and they will not come back.
	Terminating []string
}

// List returns the pods in namespace that match sel, sorted by name.
func List(ctx context.Context, cs kubernetes.Interface, namespace string, sel Selector) ([]corev1.Pod, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	list, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.Labels})
	if err != nil {
		return nil, fmt.Errorf("list %s in namespace %s: %w", sel, namespace, err)
	}
	var nameRE *regexp.Regexp
	if sel.Names != "" {
		nameRE = regexp.MustCompile("^(?:" + sel.Names + ")$")
	}
	byPort := sel.Labels == "" && sel.Names == ""
	pods := make([]corev1.Pod, 0, len(list.Items))
	for _, p := range list.Items {
		if nameRE != nil && !nameRE.MatchString(p.Name) {
			continue
		}
		if byPort && !hasPort(&p, sel.PortName) {
			continue
		}
		pods = append(pods, p)
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, nil
}

// Resolve lists the pods in namespace that match sel, sorted by name, and
// says which can be reached.
func Resolve(ctx context.Context, cs kubernetes.Interface, namespace string, sel Selector) (Resolved, error) {
	pods, err := List(ctx, cs, namespace, sel)
	if err != nil {
		return Resolved{}, err
	}
	var out Resolved
	for i := range pods {
		p := &pods[i]
		if reason := unreachable(p); reason != "" {
			out.NotReady = append(out.NotReady, p.Name+": "+reason)
			if p.DeletionTimestamp != nil {
				out.Terminating = append(out.Terminating, p.Name)
			}
			continue
		}
		out.Targets = append(out.Targets, Target{Namespace: p.Namespace, Name: p.Name, IP: p.Status.PodIP, Port: portOf(p, sel)})
	}
	return out, nil
}

func unreachable(p *corev1.Pod) string {
	switch {
	case p.DeletionTimestamp != nil:
		return "terminating"
	case p.Status.Phase != corev1.PodRunning:
		return fmt.Sprintf("phase %s", p.Status.Phase)
	case p.Status.PodIP == "":
		return "no pod IP"
	}
	return ""
}

// TargetOf is the target of pod p as sel reaches it, and "" or why it cannot
// be reached (terminating, not running, no pod IP).
func TargetOf(p *corev1.Pod, sel Selector) (Target, string) {
	return Target{Namespace: p.Namespace, Name: p.Name, IP: p.Status.PodIP, Port: portOf(p, sel)}, unreachable(p)
}

func hasPort(p *corev1.Pod, name string) bool {
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == name {
				return true
			}
		}
	}
	return false
}

func portOf(p *corev1.Pod, sel Selector) int {
	if sel.Port != 0 {
		return sel.Port
	}
	name := sel.PortName
	if name == "" {
		name = DefaultPortName
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == name {
				return int(cp.ContainerPort)
			}
		}
	}
	return DefaultPort
}
