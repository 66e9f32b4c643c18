package tanka

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// clusterWideKinds are the built-in kinds Tanka never gives a namespace.
var clusterWideKinds = map[string]bool{
	"APIService": true, "CertificateSigningRequest": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "ComponentStatus": true, "CSIDriver": true, "CSINode": true,
	"CustomResourceDefinition": true, "MutatingWebhookConfiguration": true, "Namespace": true,
	"Node": true, "NodeMetrics": true, "PersistentVolume": true, "PodSecurityPolicy": true,
	"PriorityClass": true, "RuntimeClass": true, "SelfSubjectAccessReview": true,
	"SelfSubjectRulesReview": true, "StorageClass": true, "SubjectAccessReview": true,
	"TokenReview": true, "ValidatingWebhookConfiguration": true, "VolumeAttachment": true,
}

// kindOrder is Tanka's (and Helm's) install order; other kinds come last,
// alphabetically.
var kindOrder = []string{
	"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
	"RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
	"ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"Ingress", "APIService",
}

// process applies what Tanka applies after extraction: the default
// namespace, the environment label, resource defaults and the install order.
// It also refuses two objects with the same identity.
func process(objs []found, spec Spec) ([]map[string]any, error) {
	var envLabel string
	if spec.Spec.InjectLabels {
		l, err := spec.NameLabel()
		if err != nil {
			return nil, err
		}
		envLabel = l
	}
	seen := map[string]string{}
	out := make([]map[string]any, 0, len(objs))
	for _, f := range objs {
		o := f.obj
		if o["kind"] == EnvironmentKind && strings.HasPrefix(str(o["apiVersion"]), "tanka.dev/") {
			return nil, fmt.Errorf("found a tanka.dev/Environment object at %s: a static environment (with spec.json) cannot also hold inline environments", f.path)
		}
		setNamespace(o, spec.Spec.Namespace)
		if envLabel != "" {
			mapAt(o, "labels")[LabelEnvironment] = envLabel
		}
		applyDefaults(o, spec.Spec.ResourceDefaults)
		id := identity(o)
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("%s is rendered twice, at %s and at %s", id, prev, f.path)
		}
		seen[id] = f.path
		out = append(out, o)
	}
	sortObjects(out)
	return out, nil
}

func str(v any) string { s, _ := v.(string); return s }

func metadata(o map[string]any) map[string]any {
	md, ok := o["metadata"].(map[string]any)
	if !ok {
		md = map[string]any{}
		o["metadata"] = md
	}
	return md
}

// mapAt returns metadata[key], creating it when it is not an object.
func mapAt(o map[string]any, key string) map[string]any {
	md := metadata(o)
	m, ok := md[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		md[key] = m
	}
	return m
}

func setNamespace(o map[string]any, ns string) {
	if ns == "" {
		return
	}
	md := metadata(o)
	namespaced := !clusterWideKinds[str(o["kind"])]
	ann := mapAt(o, "annotations")
	if v, ok := ann[AnnotationNamespaced]; ok {
		namespaced = v == "true"
	}
	if _, has := md["namespace"].(string); namespaced && !has {
		md["namespace"] = ns
	}
	if len(ann) == 0 {
		delete(md, "annotations")
	}
}

func applyDefaults(o map[string]any, d ResourceDefaults) {
	for k, v := range d.Annotations {
		if ann := mapAt(o, "annotations"); ann[k] == nil {
			ann[k] = v
		}
	}
	for k, v := range d.Labels {
		if l := mapAt(o, "labels"); l[k] == nil {
			l[k] = v
		}
	}
}

func identity(o map[string]any) string {
	md := metadata(o)
	group := str(o["apiVersion"])
	if i := strings.Index(group, "/"); i >= 0 {
		group = group[:i]
	} else {
		group = ""
	}
	return fmt.Sprintf("%s.%s %s/%s%s", str(o["kind"]), group, str(md["namespace"]), str(md["name"]), str(md["generateName"]))
}

func kindRank(kind string) int {
	for i, k := range kindOrder {
		if k == kind {
			return i
		}
	}
	return len(kindOrder)
}

func sortObjects(objs []map[string]any) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		ka, kb := str(a["kind"]), str(b["kind"])
		if ra, rb := kindRank(ka), kindRank(kb); ra != rb {
			return ra < rb
		}
		if ka != kb {
			return ka < kb
		}
		ma, mb := metadata(a), metadata(b)
		for _, f := range []string{"namespace", "name", "generateName"} {
			if x, y := str(ma[f]), str(mb[f]); x != y {
				return x < y
			}
		}
		return false
	})
}

// selectInline finds the inline environment to render and returns its spec
// and data.
func selectInline(env *Environment, tree any, name string) (Spec, any, error) {
	all, err := extract(tree)
	if err != nil {
		return Spec{}, nil, fmt.Errorf("environment %s: %w", env.Dir, err)
	}
	var envs []map[string]any
	var names []string
	for _, f := range all {
		if f.obj["kind"] != EnvironmentKind || !strings.HasPrefix(str(f.obj["apiVersion"]), "tanka.dev/") {
			continue
		}
		n := str(metadata(f.obj)["name"])
		if name != "" && n == name {
			envs, names = []map[string]any{f.obj}, []string{n}
			break
		}
		if strings.Contains(n, name) {
			envs, names = append(envs, f.obj), append(names, n)
		}
	}
	switch {
	case len(envs) == 0:
		return Spec{}, nil, fmt.Errorf("environment %s: %s is neither a static environment (no %s) nor holds an inline tanka.dev/Environment object matching %q",
			env.Dir, Entrypoint, SpecFile, name)
	case len(envs) > 1:
		sort.Strings(names)
		return Spec{}, nil, &MultipleEnvironmentsError{Dir: env.Dir, Name: name, Names: names}
	}
	raw, err := json.Marshal(envs[0])
	if err != nil {
		return Spec{}, nil, fmt.Errorf("environment %s: inline environment %q: %w", env.Dir, names[0], err)
	}
	spec, deprecated, err := parseSpec(raw, env.Spec.Metadata.Namespace)
	if err != nil {
		return Spec{}, nil, fmt.Errorf("environment %s: parse the inline environment %q: %w", env.Dir, names[0], err)
	}
	if len(deprecated) > 0 {
		// Tanka accepts these fields in spec.json only, with a warning, and
		// refuses an inline environment that uses them.
		return Spec{}, nil, fmt.Errorf("environment %s: the inline environment %q uses deprecated top-level fields: %s; move them, as Tanka refuses them in inline environments",
			env.Dir, names[0], strings.Join(deprecated, ", "))
	}
	return spec, envs[0]["data"], nil
}
