package tankaenv

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// summarize renders objects as the reviewable text of the golden files:
// for each object what mimirctl's plans depend on (names, labels,
// replicas, update strategy, claims, ports and every flag), without the
// boilerplate (probes, volumes, resources) that unit assertions cover.
func summarize(objs []*unstructured.Unstructured) string {
	var b strings.Builder
	for _, o := range objs {
		fmt.Fprintf(&b, "%s %s\n", o.GetKind(), o.GetName())
		writeMap(&b, "  labels", withoutTankaLabel(o.GetLabels()))
		writeMap(&b, "  annotations", o.GetAnnotations())
		switch o.GetKind() {
		case "Deployment", "StatefulSet":
			summarizeWorkload(&b, o)
		case "Service":
			summarizeService(&b, o)
		case "ConfigMap":
			data, _, _ := unstructured.NestedStringMap(o.Object, "data")
			for _, k := range slices.Sorted(maps.Keys(data)) {
				fmt.Fprintf(&b, "  %s: |\n    %s\n", k, strings.ReplaceAll(strings.TrimSpace(data[k]), "\n", "\n    "))
			}
		case "PodDisruptionBudget":
			sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector", "matchLabels")
			mu, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "maxUnavailable")
			fmt.Fprintf(&b, "  selector %s maxUnavailable %v\n", joinMap(sel), mu)
		case "HorizontalPodAutoscaler":
			target, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "name")
			lo, _, _ := unstructured.NestedInt64(o.Object, "spec", "minReplicas")
			hi, _, _ := unstructured.NestedInt64(o.Object, "spec", "maxReplicas")
			fmt.Fprintf(&b, "  target %s replicas %d-%d\n", target, lo, hi)
		}
	}
	return b.String()
}

func summarizeWorkload(b *strings.Builder, o *unstructured.Unstructured) {
	replicas := "unset (autoscaled)"
	if r, ok, _ := unstructured.NestedInt64(o.Object, "spec", "replicas"); ok {
		replicas = fmt.Sprint(r)
	}
	fmt.Fprintf(b, "  replicas %s", replicas)
	if t, ok, _ := unstructured.NestedString(o.Object, "spec", "updateStrategy", "type"); ok {
		fmt.Fprintf(b, ", updateStrategy %s", t)
	}
	if s, ok, _ := unstructured.NestedString(o.Object, "spec", "serviceName"); ok {
		fmt.Fprintf(b, ", serviceName %s", s)
	}
	b.WriteString("\n")
	sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector", "matchLabels")
	fmt.Fprintf(b, "  selector %s\n", joinMap(sel))
	podLabels, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
	fmt.Fprintf(b, "  pod labels %s\n", joinMap(podLabels))
	claims, _, _ := unstructured.NestedSlice(o.Object, "spec", "volumeClaimTemplates")
	for _, c := range claims {
		name, _, _ := unstructured.NestedString(c.(map[string]any), "metadata", "name")
		size, _, _ := unstructured.NestedString(c.(map[string]any), "spec", "resources", "requests", "storage")
		fmt.Fprintf(b, "  claim %s %s\n", name, size)
	}
	containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	for _, raw := range containers {
		c := raw.(map[string]any)
		var ports []string
		for _, p := range c["ports"].([]any) {
			pm := p.(map[string]any)
			ports = append(ports, fmt.Sprintf("%v:%v", pm["name"], pm["containerPort"]))
		}
		fmt.Fprintf(b, "  container %v %v ports %s\n", c["name"], c["image"], strings.Join(ports, " "))
		for _, a := range stringsOf(c["command"]) {
			fmt.Fprintf(b, "    command %s\n", a)
		}
		for _, a := range stringsOf(c["args"]) {
			fmt.Fprintf(b, "    %s\n", a)
		}
	}
}

func summarizeService(b *strings.Builder, o *unstructured.Unstructured) {
	sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector")
	kind := "ClusterIP"
	if ip, _, _ := unstructured.NestedString(o.Object, "spec", "clusterIP"); ip == "None" {
		kind = "headless"
	}
	if nr, _, _ := unstructured.NestedBool(o.Object, "spec", "publishNotReadyAddresses"); nr {
		kind += ", publishNotReadyAddresses"
	}
	ports, _, _ := unstructured.NestedSlice(o.Object, "spec", "ports")
	var ps []string
	for _, p := range ports {
		pm := p.(map[string]any)
		ps = append(ps, fmt.Sprintf("%v:%v", pm["name"], pm["port"]))
	}
	fmt.Fprintf(b, "  %s selector %s ports %s\n", kind, joinMap(sel), strings.Join(ps, " "))
}

func withoutTankaLabel(l map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		if k != "tanka.dev/environment" {
			out[k] = v
		}
	}
	return out
}

func writeMap(b *strings.Builder, title string, m map[string]string) {
	if len(m) > 0 {
		fmt.Fprintf(b, "%s %s\n", title, joinMap(m))
	}
}

func joinMap(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, fmt.Sprint(s))
	}
	return out
}
