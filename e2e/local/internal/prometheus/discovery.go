package prometheus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// TargetGroup is one entry of a file_sd file.
type TargetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

var invalidLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// TargetGroups turns pods into what kubernetes_sd_configs with role pod
// discovers: one target per declared container port of every pod with an
// address, with the role's __meta_kubernetes_* labels.
func TargetGroups(pods []*corev1.Pod) []TargetGroup {
	var out []TargetGroup
	for _, pod := range pods {
		if pod.Status.PodIP == "" {
			continue
		}
		base := podLabels(pod)
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				l := map[string]string{}
				for k, v := range base {
					l[k] = v
				}
				l["__meta_kubernetes_pod_container_name"] = c.Name
				l["__meta_kubernetes_pod_container_image"] = c.Image
				l["__meta_kubernetes_pod_container_init"] = "false"
				l["__meta_kubernetes_pod_container_port_name"] = p.Name
				l["__meta_kubernetes_pod_container_port_number"] = strconv.Itoa(int(p.ContainerPort))
				l["__meta_kubernetes_pod_container_port_protocol"] = string(p.Protocol)
				addr := net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(int(p.ContainerPort)))
				out = append(out, TargetGroup{Targets: []string{addr}, Labels: l})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Targets[0] < out[j].Targets[0] })
	return out
}

func podLabels(pod *corev1.Pod) map[string]string {
	ready := "false"
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			ready = "true"
		}
	}
	l := map[string]string{
		"__meta_kubernetes_namespace":     pod.Namespace,
		"__meta_kubernetes_pod_name":      pod.Name,
		"__meta_kubernetes_pod_ip":        pod.Status.PodIP,
		"__meta_kubernetes_pod_uid":       string(pod.UID),
		"__meta_kubernetes_pod_node_name": pod.Spec.NodeName,
		"__meta_kubernetes_pod_host_ip":   pod.Status.HostIP,
		"__meta_kubernetes_pod_phase":     string(pod.Status.Phase),
		"__meta_kubernetes_pod_ready":     ready,
	}
	for k, v := range pod.Labels {
		name := invalidLabelChars.ReplaceAllString(k, "_")
		l["__meta_kubernetes_pod_label_"+name] = v
		l["__meta_kubernetes_pod_labelpresent_"+name] = "true"
	}
	for k, v := range pod.Annotations {
		name := invalidLabelChars.ReplaceAllString(k, "_")
		l["__meta_kubernetes_pod_annotation_"+name] = v
		l["__meta_kubernetes_pod_annotationpresent_"+name] = "true"
	}
	if ref := controllerOf(pod); ref != nil {
		l["__meta_kubernetes_pod_controller_kind"] = ref.Kind
		l["__meta_kubernetes_pod_controller_name"] = ref.Name
	}
	return l
}

func controllerOf(pod *corev1.Pod) *struct{ Kind, Name string } {
	for _, r := range pod.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return &struct{ Kind, Name string }{r.Kind, r.Name}
		}
	}
	return nil
}

// Discovery keeps the file_sd file in step with the pods.
type Discovery struct {
	Path string
	Log  *slog.Logger
}

// Run registers on factory's pod informer and rewrites Path (atomically)
// within a second of any pod change, until ctx ends. Call before the
// factory starts.
func (d *Discovery) Run(ctx context.Context, factory informers.SharedInformerFactory) error {
	inf := factory.Core().V1().Pods()
	dirty := make(chan struct{}, 1)
	mark := func(any) {
		select {
		case dirty <- struct{}{}:
		default:
		}
	}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: mark, UpdateFunc: func(_, o any) { mark(o) }, DeleteFunc: mark,
	}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d.Path), 0o755); err != nil {
		return fmt.Errorf("create Prometheus directory: %w", err)
	}
	if err := d.write(nil); err != nil {
		return err
	}
	go func() {
		var last []byte
		for {
			select {
			case <-ctx.Done():
				return
			case <-dirty:
			}
			pods, _ := inf.Lister().List(labels.Everything())
			data, _ := json.MarshalIndent(TargetGroups(pods), "", "  ")
			if !bytes.Equal(data, last) {
				if err := d.write(data); err != nil {
					d.Log.Warn("write Prometheus targets", "err", err)
				}
				last = data
			}
			select { // coalesce bursts
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return nil
}

func (d *Discovery) write(data []byte) error {
	if data == nil {
		data = []byte("[]")
	}
	tmp := d.Path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	return os.Rename(tmp, d.Path)
}
