package grafanalib_test

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// testNamespace is the namespace the tests write the environment for.
const testNamespace = "mimir-grafana"

// Test-sized limits the environment must stay within: per container
// request, per workload replicas (per zone for the zoned StatefulSets), per
// volume claim.
var (
	maxCPURequest    = resource.MustParse("100m")
	maxMemoryRequest = resource.MustParse("128Mi")
	maxVolumeRequest = resource.MustParse("1Gi")
)

const maxReplicas = 1

// modules are the Mimir modules the environment is written for, and the
// local cluster binary each one's grafana/mimir image runs.
var modules = []struct {
	grafanalib.Module
	binary string
}{
	{grafanalib.Mimir305, "mimir3"},
	{grafanalib.Mimir216, "mimir216"},
}

// The environment is rendered once per module for all tests (TestMain):
// the render of Grafana's library takes seconds.
var (
	rendered    = map[grafanalib.Module][]*unstructured.Unstructured{}
	renderErr   = map[grafanalib.Module]error{}
	projectRoot string
	k8sLib      string
)

func TestMain(m *testing.M) {
	code := func() int {
		var err error
		projectRoot, err = os.MkdirTemp("", "grafanalib-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(projectRoot)
		k8sLib, err = grafanalib.KubernetesLibrary()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for _, mod := range modules {
			rendered[mod.Module], renderErr[mod.Module] = renderTestProject(mod.Module)
		}
		return m.Run()
	}()
	os.Exit(code)
}

func renderTestProject(m grafanalib.Module) ([]*unstructured.Unstructured, error) {
	envDir, err := grafanalib.WriteTestProject(filepath.Join(projectRoot, m.Name), k8sLib, m, testNamespace, "")
	if err != nil {
		return nil, err
	}
	res, err := tanka.Load(context.Background(), envDir, tanka.Options{})
	if err != nil {
		return nil, err
	}
	return res.Objects, nil
}

// objects returns the objects of the environment on Mimir 3.0.5, failing
// the test when the render failed.
func objects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	return objectsOf(t, grafanalib.Mimir305)
}

// objectsOf returns the objects of the environment on module m, failing the
// test when the render failed.
func objectsOf(t *testing.T, m grafanalib.Module) []*unstructured.Unstructured {
	t.Helper()
	if err := renderErr[m]; err != nil {
		t.Fatalf("render the e2e environment on Mimir %s: %v", m.Name, err)
	}
	if len(rendered[m]) == 0 {
		t.Fatalf("the e2e environment on Mimir %s renders no objects", m.Name)
	}
	return rendered[m]
}

// forEachEnvironment runs check as a subtest on the environment of every
// module, with the binary its Mimir image runs on the local cluster.
func forEachEnvironment(t *testing.T, check func(t *testing.T, objs []*unstructured.Unstructured, binary string)) {
	t.Helper()
	for _, mod := range modules {
		t.Run(mod.Name, func(t *testing.T) { check(t, objectsOf(t, mod.Module), mod.binary) })
	}
}

func key(o *unstructured.Unstructured) string {
	return o.GetKind() + "/" + o.GetName()
}

// podSpecs returns the pod template of every workload object (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Job: spec.template.spec; CronJob:
// spec.jobTemplate.spec.template.spec; Pod: spec) by key.
func podSpecs(t *testing.T, objs []*unstructured.Unstructured) map[string]corev1.PodSpec {
	t.Helper()
	out := map[string]corev1.PodSpec{}
	for _, o := range objs {
		var fields []string
		switch o.GetKind() {
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
			fields = []string{"spec", "template", "spec"}
		case "CronJob":
			fields = []string{"spec", "jobTemplate", "spec", "template", "spec"}
		case "Pod":
			fields = []string{"spec"}
		default:
			continue
		}
		raw, ok, err := unstructured.NestedMap(o.Object, fields...)
		if err != nil || !ok {
			t.Fatalf("%s: no pod spec at %s (%v)", key(o), strings.Join(fields, "."), err)
		}
		var spec corev1.PodSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &spec); err != nil {
			t.Fatalf("%s: pod spec: %v", key(o), err)
		}
		out[key(o)] = spec
	}
	return out
}

func allContainers(spec corev1.PodSpec) []corev1.Container {
	return append(slices.Clone(spec.InitContainers), spec.Containers...)
}

// mimirFlags returns the -name=value arguments of a Mimir container by name.
func mimirFlags(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, a := range c.Args {
		name, value, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		out[name] = value
	}
	return out
}

func isMimir(c corev1.Container) bool { return strings.HasPrefix(c.Image, "grafana/mimir:") }

// Every container of every rendered pod runs on the local cluster: its image
// matches a rule of the cluster's default image mapping, the node agent can
// start it (ResolveImage), a mapped image runs its local binary (Mimir's the
// one built from the environment's module: bin/mimir3 for 3.0.5,
// bin/mimir216 for 2.16.0), and a container of a plain userland image
// (busybox) gives its own command.
func TestTestEnvironmentContainersRunOnTheLocalClusterImages(t *testing.T) {
	forEachEnvironment(t, checkRunsOnTheLocalCluster)
}

func checkRunsOnTheLocalCluster(t *testing.T, objs []*unstructured.Unstructured, mimirBinary string) {
	t.Helper()
	const binDir = "/local-cluster-bin"
	rules := cluster.DefaultImageRules()
	specs := podSpecs(t, objs)
	if len(specs) == 0 {
		t.Fatal("no workloads rendered")
	}
	for k, spec := range specs {
		for _, c := range allContainers(spec) {
			launch, err := cluster.ResolveImage(rules, binDir, c.Image, c.Command, c.Args)
			if err != nil {
				t.Errorf("%s container %s: %v", k, c.Name, err)
				continue
			}
			r := launch.Rule
			switch {
			case r.Binary != "" && launch.Path != filepath.Join(binDir, r.Binary):
				t.Errorf("%s container %s (%s): runs %q (argv %q), not the image's program bin/%s: give a command naming %v",
					k, c.Name, c.Image, launch.Path, launch.Argv, r.Binary, r.Names)
			case r.Binary == "" && len(c.Command) == 0:
				t.Errorf("%s container %s (%s): a plain userland image (rule %s) needs the container's command", k, c.Name, c.Image, r.Pattern)
			}
			if isMimir(c) && r.Binary != mimirBinary {
				t.Errorf("%s container %s: image %s runs bin/%s (rule %s), want bin/%s", k, c.Name, c.Image, r.Binary, r.Pattern, mimirBinary)
			}
		}
	}
}

// Every Mimir component that reads or writes blocks (ingester,
// store-gateway, querier, compactor) uses S3 at the versitygw Service,
// without TLS, with the gateway's root credentials, and a bucket that the
// gateway's init container creates under the directory the gateway serves.
func TestTestEnvironmentStoresBlocksInTheVersityGateway(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		specs := podSpecs(t, objs)

		var svc corev1.Service
		found := false
		for _, o := range objs {
			if o.GetKind() == "Service" && o.GetName() == "versitygw" {
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &svc); err != nil {
					t.Fatal(err)
				}
				found = true
			}
		}
		if !found || len(svc.Spec.Ports) != 1 {
			t.Fatalf("want a Service versitygw with one port; found %v, ports %v", found, svc.Spec.Ports)
		}
		port := svc.Spec.Ports[0]

		// The gateway: the one pod template the Service selects.
		var gw corev1.PodSpec
		var gwKey string
		for _, o := range objs {
			labels, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
			if spec, ok := specs[key(o)]; ok && selects(svc.Spec.Selector, labels) {
				if gwKey != "" {
					t.Fatalf("the versitygw Service selects the pods of %s and %s", gwKey, key(o))
				}
				gw, gwKey = spec, key(o)
			}
		}
		if gwKey == "" || len(gw.Containers) != 1 {
			t.Fatalf("the versitygw Service (selector %v) selects no workload with one container (%q)", svc.Spec.Selector, gwKey)
		}
		server := gw.Containers[0]
		target := port.TargetPort
		if target == (intstr.IntOrString{}) {
			target = intstr.FromInt32(port.Port)
		}
		if !slices.ContainsFunc(server.Ports, func(p corev1.ContainerPort) bool {
			return p.ContainerPort == target.IntVal || (target.Type == intstr.String && p.Name == target.StrVal)
		}) {
			t.Errorf("%s: the Service's target port %s is not a port of container %s (%v)", gwKey, target.String(), server.Name, server.Ports)
		}
		cmd := server.Command
		listen := slices.Index(cmd, "--port")
		posix := slices.Index(cmd, "posix")
		if listen < 0 || listen+1 >= len(cmd) || cmd[listen+1] != fmt.Sprintf(":%d", target.IntVal) || posix < 0 || posix+1 >= len(cmd) {
			t.Fatalf("%s: command %q: want versitygw --port :%d ... posix DIR", gwKey, cmd, target.IntVal)
		}
		dataDir := cmd[posix+1]
		env := map[string]string{}
		for _, e := range server.Env {
			env[e.Name] = e.Value
		}

		wantHost := fmt.Sprintf("%s.%s.svc.cluster.local", svc.Name, testNamespace)
		users := map[string]bool{}
		for k, spec := range specs {
			for _, c := range spec.Containers {
				if !isMimir(c) {
					continue
				}
				f := mimirFlags(c)
				target := f["target"]
				if !slices.Contains([]string{"ingester", "store-gateway", "querier", "compactor"}, target) {
					continue
				}
				users[target] = true
				host, p, err := net.SplitHostPort(f["common.storage.s3.endpoint"])
				if err != nil || strings.TrimSuffix(host, ".") != wantHost || p != strconv.Itoa(int(port.Port)) {
					t.Errorf("%s (%s): -common.storage.s3.endpoint=%q, want %s:%d (the versitygw Service)", k, target, f["common.storage.s3.endpoint"], wantHost, port.Port)
				}
				for flag, want := range map[string]string{
					"common.storage.backend":              "s3",
					"common.storage.s3.insecure":          "true",
					"common.storage.s3.access-key-id":     env["ROOT_ACCESS_KEY"],
					"common.storage.s3.secret-access-key": env["ROOT_SECRET_KEY"],
				} {
					if f[flag] != want || want == "" {
						t.Errorf("%s (%s): -%s=%q, want %q", k, target, flag, f[flag], want)
					}
				}
				bucket := f["blocks-storage.s3.bucket-name"]
				if bucket == "" || !createsDir(gw, server, dataDir, path.Join(dataDir, bucket)) {
					t.Errorf("%s (%s): bucket %q is not created by an init container of %s under %s", k, target, bucket, gwKey, dataDir)
				}
			}
		}
		for _, want := range []string{"ingester", "store-gateway", "querier", "compactor"} {
			if !users[want] {
				t.Errorf("no Mimir %s rendered", want)
			}
		}
	})
}

// selects reports whether a Service selector matches pod labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// createsDir reports whether an init container of spec runs `mkdir -p
// DIR...` with dir among the DIRs on the volume that server mounts at root.
func createsDir(spec corev1.PodSpec, server corev1.Container, root, dir string) bool {
	volume := ""
	for _, m := range server.VolumeMounts {
		if m.MountPath == root {
			volume = m.Name
		}
	}
	for _, c := range spec.InitContainers {
		mounted := slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == volume && m.MountPath == root })
		if volume != "" && mounted && len(c.Command) > 2 && slices.Equal(c.Command[:2], []string{"mkdir", "-p"}) && slices.Contains(c.Command[2:], dir) {
			return true
		}
	}
	return false
}

// Caches are off: no memcached object, image or address.
func TestTestEnvironmentHasNoMemcached(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		for _, o := range objs {
			if strings.Contains(o.GetName(), "memcached") {
				t.Errorf("%s is rendered", key(o))
			}
		}
		for k, spec := range podSpecs(t, objs) {
			for _, c := range allContainers(spec) {
				if strings.Contains(c.Image, "memcached") {
					t.Errorf("%s container %s: image %s", k, c.Name, c.Image)
				}
				for _, a := range c.Args {
					if strings.Contains(a, "memcached") {
						t.Errorf("%s container %s: %s", k, c.Name, a)
					}
				}
			}
		}
	})
}

// Every ring is on memberlist, joined through the library's gossip-ring
// Service by every Mimir component that uses a ring; nothing renders Consul.
func TestTestEnvironmentRingsAreOnMemberlist(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		for _, o := range objs {
			if strings.Contains(o.GetName(), "consul") {
				t.Errorf("%s is rendered", key(o))
			}
		}
		stores := 0
		for k, spec := range podSpecs(t, objs) {
			for _, c := range spec.Containers {
				if !isMimir(c) {
					continue
				}
				f := mimirFlags(c)
				rings := 0
				for name, value := range f {
					if strings.HasSuffix(name, "ring.store") {
						rings++
						if value != "memberlist" {
							t.Errorf("%s: -%s=%s, want memberlist", k, name, value)
						}
					}
				}
				stores += rings
				if rings == 0 {
					continue // no ring client (query-frontend, query-scheduler)
				}
				if want := fmt.Sprintf("dns+gossip-ring.%s.svc.cluster.local.:7946", testNamespace); f["memberlist.join"] != want {
					t.Errorf("%s: -memberlist.join=%q, want %q", k, f["memberlist.join"], want)
				}
			}
		}
		if stores == 0 {
			t.Error("no Mimir container sets a ring store")
		}
	})
}

// Ingesters and store-gateways run as Grafana's library renders multi-zone
// deployments: one StatefulSet per zone a, b, c, OnDelete, labelled with its
// rollout group (object and pod template) and annotated with
// rollout-max-unavailable; no single-zone StatefulSet beside them.
func TestTestEnvironmentZonesAreOnDeleteRolloutGroups(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		byName := map[string]*unstructured.Unstructured{}
		for _, o := range objs {
			if o.GetKind() == "StatefulSet" {
				byName[o.GetName()] = o
			}
		}
		for _, group := range []string{"ingester", "store-gateway"} {
			if _, ok := byName[group]; ok {
				t.Errorf("StatefulSet %s (not zone-aware) is rendered beside the zones", group)
			}
			for _, zone := range []string{"a", "b", "c"} {
				name := group + "-zone-" + zone
				o, ok := byName[name]
				if !ok {
					t.Errorf("no StatefulSet %s", name)
					continue
				}
				if s, _, _ := unstructured.NestedString(o.Object, "spec", "updateStrategy", "type"); s != "OnDelete" {
					t.Errorf("%s: updateStrategy %q, want OnDelete", name, s)
				}
				if l := o.GetLabels()["rollout-group"]; l != group {
					t.Errorf("%s: label rollout-group=%q, want %q", name, l, group)
				}
				if l, _, _ := unstructured.NestedString(o.Object, "spec", "template", "metadata", "labels", "rollout-group"); l != group {
					t.Errorf("%s: pod label rollout-group=%q, want %q", name, l, group)
				}
				if _, ok := o.GetAnnotations()["rollout-max-unavailable"]; !ok {
					t.Errorf("%s: no rollout-max-unavailable annotation", name)
				}
			}
		}
	})
}

// The environment is test-sized: at most maxReplicas per Deployment and per
// zone StatefulSet, every container requests CPU and memory within
// maxCPURequest and maxMemoryRequest, and every volume claim (objects and
// StatefulSet templates) within maxVolumeRequest.
func TestTestEnvironmentIsTestSized(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		for _, o := range objs {
			switch o.GetKind() {
			case "Deployment", "StatefulSet":
				if n, ok, _ := unstructured.NestedInt64(o.Object, "spec", "replicas"); !ok || n > maxReplicas {
					t.Errorf("%s: replicas %d (set %v), want at most %d", key(o), n, ok, maxReplicas)
				}
				claims, _, _ := unstructured.NestedSlice(o.Object, "spec", "volumeClaimTemplates")
				for _, c := range claims {
					checkClaim(t, key(o), c)
				}
			case "PersistentVolumeClaim":
				checkClaim(t, key(o), o.Object)
			}
		}
		for k, spec := range podSpecs(t, objs) {
			for _, c := range allContainers(spec) {
				cpu, hasCPU := c.Resources.Requests[corev1.ResourceCPU]
				mem, hasMem := c.Resources.Requests[corev1.ResourceMemory]
				if !hasCPU || !hasMem || cpu.Cmp(maxCPURequest) > 0 || mem.Cmp(maxMemoryRequest) > 0 {
					t.Errorf("%s container %s: requests cpu %s memory %s, want both set, at most %s and %s",
						k, c.Name, cpu.String(), mem.String(), maxCPURequest.String(), maxMemoryRequest.String())
				}
			}
		}
	})
}

func checkClaim(t *testing.T, owner string, claim any) {
	t.Helper()
	m, _ := claim.(map[string]any)
	var pvc corev1.PersistentVolumeClaim
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &pvc); err != nil {
		t.Fatalf("%s: volume claim: %v", owner, err)
	}
	size, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok || size.Cmp(maxVolumeRequest) > 0 {
		t.Errorf("%s: claim %s requests %s, want at most %s", owner, pvc.Name, size.String(), maxVolumeRequest.String())
	}
}

// rolloutOperatorObjects returns the objects of grafana/rollout-operator:
// named after it, running its image, its admission webhooks, its CRDs and
// custom resources.
func rolloutOperatorObjects(t *testing.T, objs []*unstructured.Unstructured) []string {
	var out []string
	specs := podSpecs(t, objs)
	for _, o := range objs {
		image := false
		for _, c := range allContainers(specs[key(o)]) {
			image = image || strings.Contains(c.Image, "rollout-operator")
		}
		switch {
		case strings.Contains(o.GetName(), "rollout-operator"), image,
			strings.HasPrefix(o.GetAPIVersion(), "rollout-operator.grafana.com/"),
			o.GetKind() == "MutatingWebhookConfiguration", o.GetKind() == "ValidatingWebhookConfiguration",
			o.GetKind() == "CustomResourceDefinition":
			out = append(out, key(o))
		}
	}
	slices.Sort(out)
	return out
}

// Nothing of grafana/rollout-operator is rendered: no operator, no image of
// it, no webhook configuration, no custom resource. The e2e suite runs its
// stand-in (e2e/rolloutoperatorfake) in-process.
func TestTestEnvironmentLeavesRolloutOperatorOut(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		if got := rolloutOperatorObjects(t, objs); len(got) > 0 {
			t.Errorf("rollout-operator objects rendered: %q", got)
		}
	})
}

// libraryOperatorObjects lists, sorted as "apiVersion Kind/name", what
// Grafana's library renders for grafana/rollout-operator with its webhooks
// in namespace ns on every module, and extra: the operator, its RBAC and
// PodDisruptionBudget, the prepare-downscale and no-downscale webhooks, the
// Service they call, and the RBAC that lets the operator write its CA.
func libraryOperatorObjects(ns string, extra ...string) []string {
	return slices.Sorted(slices.Values(append([]string{
		"admissionregistration.k8s.io/v1 MutatingWebhookConfiguration/prepare-downscale-" + ns,
		"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration/no-downscale-" + ns,
		"apps/v1 Deployment/rollout-operator",
		"policy/v1 PodDisruptionBudget/rollout-operator",
		"rbac.authorization.k8s.io/v1 ClusterRole/rollout-operator-" + ns + "-webhook-cert-update-role",
		"rbac.authorization.k8s.io/v1 ClusterRoleBinding/rollout-operator-" + ns + "-webhook-cert-secret-rolebinding",
		"rbac.authorization.k8s.io/v1 Role/rollout-operator-role",
		"rbac.authorization.k8s.io/v1 Role/rollout-operator-webhook-cert-secret-role",
		"rbac.authorization.k8s.io/v1 RoleBinding/rollout-operator-rolebinding",
		"rbac.authorization.k8s.io/v1 RoleBinding/rollout-operator-webhook-cert-secret-rolebinding",
		"v1 Service/rollout-operator",
		"v1 ServiceAccount/rollout-operator",
	}, extra...)))
}

// The rollout-operator settings of the environment remove exactly what the
// package documentation says: rendered with the library's defaults for
// them (multi-zone turns the operator, its webhooks and the zone-aware
// disruption budgets on), the environment has these objects more, and the
// zones' disruption budgets are ZoneAwarePodDisruptionBudgets instead of
// PodDisruptionBudgets. This also shows that rolloutOperatorObjects finds
// them.
func TestTestEnvironmentRolloutOperatorKnobsRemoveTheOperatorAndItsWebhooks(t *testing.T) {
	ours := objects(t)
	envDir := filepath.Join(projectRoot, grafanalib.Mimir305.Name, "environments", "library-defaults")
	main := `(import 'mimir-e2e.libsonnet') + {
  _config+:: {
    namespace: '` + testNamespace + `',
    // What the library derives from multi_zone_*_enabled.
    rollout_operator_enabled: true,
    rollout_operator_webhooks_enabled: true,
    multi_zone_ingester_zpdb_enabled: true,
    multi_zone_store_gateway_zpdb_enabled: true,
  },
}
`
	if err := grafanalib.WriteEnvironment(envDir, main, testNamespace); err != nil {
		t.Fatal(err)
	}
	res, err := tanka.Load(context.Background(), envDir, tanka.Options{})
	if err != nil {
		t.Fatalf("render with the library's rollout-operator defaults: %v", err)
	}
	have := map[string]bool{}
	for _, o := range ours {
		have[o.GetAPIVersion()+" "+key(o)] = true
	}
	var more []string
	for _, o := range res.Objects {
		if k := o.GetAPIVersion() + " " + key(o); !have[k] {
			more = append(more, k)
		}
	}
	slices.Sort(more)
	ns := testNamespace
	want := libraryOperatorObjects(ns,
		"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration/pod-eviction-"+ns,
		"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration/zpdb-validation-"+ns,
		"rollout-operator.grafana.com/v1 ZoneAwarePodDisruptionBudget/ingester-rollout",
		"rollout-operator.grafana.com/v1 ZoneAwarePodDisruptionBudget/store-gateway-rollout",
	)
	if !slices.Equal(more, want) {
		t.Errorf("with the library's rollout-operator defaults the environment has these objects more:\n%s\nwant\n%s",
			strings.Join(more, "\n"), strings.Join(want, "\n"))
	}
	if got := rolloutOperatorObjects(t, res.Objects); len(got) == 0 {
		t.Error("rolloutOperatorObjects finds nothing in the render with the operator on")
	}
	for _, name := range []string{"ingester-rollout", "store-gateway-rollout"} {
		if !have["policy/v1 PodDisruptionBudget/"+name] {
			t.Errorf("our environment has no PodDisruptionBudget %s", name)
		}
	}
}

// RolloutOperatorLib, merged into the environment of either module, adds
// the library's own grafana/rollout-operator and changes nothing else: the
// operator's Deployment runs the image e2e/kind/run.sh pulls, with the zone
// tracker on in the ConfigMap mimirctl reads by default and TLS for its
// webhooks, and the prepare-downscale and no-downscale webhooks call its
// Service in the namespace on the paths the stand-in serves.
func TestRolloutOperatorLibDeploysTheLibrarysOperator(t *testing.T) {
	runSh, err := os.ReadFile(filepath.Join("..", "kind", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	ns := testNamespace
	more := map[grafanalib.Module][]string{
		// The 3.x library also guards evictions with ZoneAwarePodDisruptionBudgets
		// (none here: the zones keep plain ones), whose resource its operator
		// needs to start (the lib's own definition, e2e/suite's
		// TestRolloutOperatorLibServesTheLibrarysZoneAwareBudgets).
		grafanalib.Mimir305: {
			"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration/pod-eviction-" + ns,
			"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration/zpdb-validation-" + ns,
			"apiextensions.k8s.io/v1 CustomResourceDefinition/zoneawarepoddisruptionbudgets.rollout-operator.grafana.com",
		},
	}
	for _, mod := range modules {
		t.Run(mod.Name, func(t *testing.T) {
			base := map[string]*unstructured.Unstructured{}
			for _, o := range objectsOf(t, mod.Module) {
				base[o.GetAPIVersion()+" "+key(o)] = o
			}
			envDir, err := grafanalib.WriteTestProject(t.TempDir(), k8sLib, mod.Module, ns, "(import '"+grafanalib.RolloutOperatorLib+"')")
			if err != nil {
				t.Fatal(err)
			}
			res, err := tanka.Load(context.Background(), envDir, tanka.Options{})
			if err != nil {
				t.Fatalf("render with %s: %v", grafanalib.RolloutOperatorLib, err)
			}
			var added []string
			seen := map[string]bool{}
			for _, o := range res.Objects {
				k := o.GetAPIVersion() + " " + key(o)
				seen[k] = true
				if b, ok := base[k]; !ok {
					added = append(added, k)
				} else if !reflect.DeepEqual(b.Object, o.Object) {
					t.Errorf("%s changes", k)
				}
			}
			for k := range base {
				if !seen[k] {
					t.Errorf("%s is gone", k)
				}
			}
			slices.Sort(added)
			want := libraryOperatorObjects(ns, more[mod.Module]...)
			if !slices.Equal(added, want) {
				t.Errorf("objects added:\n%s\nwant\n%s", strings.Join(added, "\n"), strings.Join(want, "\n"))
			}

			for name, spec := range podSpecs(t, res.Objects) {
				if name != "Deployment/rollout-operator" {
					continue
				}
				c := spec.Containers[0]
				if !strings.HasPrefix(c.Image, "grafana/rollout-operator:") || !strings.Contains(string(runSh), c.Image) {
					t.Errorf("the operator runs %q, which e2e/kind/run.sh does not pull", c.Image)
				}
				flags := mimirFlags(c)
				for flag, want := range map[string]string{"kubernetes.namespace": ns, "use-zone-tracker": "true",
					"zone-tracker.config-map-name": kube.ZoneTrackerDefaultConfigMap, "server-tls.enabled": "true"} {
					if flags[flag] != want {
						t.Errorf("the operator's -%s is %q, want %q (args %q)", flag, flags[flag], want, c.Args)
					}
				}
			}
			paths := map[string]string{
				"MutatingWebhookConfiguration/prepare-downscale-" + ns: kube.WebhookPathPrepareDownscale,
				"ValidatingWebhookConfiguration/no-downscale-" + ns:    kube.WebhookPathNoDownscale,
			}
			for _, o := range res.Objects {
				path, ok := paths[key(o)]
				if !ok {
					continue
				}
				hooks, _, _ := unstructured.NestedSlice(o.Object, "webhooks")
				if len(hooks) != 1 {
					t.Fatalf("%s has %d webhooks, want 1", key(o), len(hooks))
				}
				svc, _, _ := unstructured.NestedMap(hooks[0].(map[string]any), "clientConfig", "service")
				if svc["name"] != "rollout-operator" || svc["namespace"] != ns || svc["path"] != path {
					t.Errorf("%s calls %v, want Service rollout-operator in %s on %s", key(o), svc, ns, path)
				}
				delete(paths, key(o))
			}
			if len(paths) > 0 {
				t.Errorf("not rendered: %v", slices.Sorted(maps.Keys(paths)))
			}
		})
	}
}

// Only the Mimir 3.0.5 module is supported.
func TestWriteTestProjectRefusesOtherModules(t *testing.T) {
	other := grafanalib.Module{Name: "2.9", Version: "v0.0.0-20230630050318-e4d286c69115"}
	_, err := grafanalib.WriteTestProject(t.TempDir(), k8sLib, other, testNamespace, "")
	if err == nil || !strings.Contains(err.Error(), "not 2.9") {
		t.Errorf("WriteTestProject with Mimir 2.9: %v, want an error naming the unsupported module", err)
	}
}

// A zone shutdown in the environment waits one minute for the blocks it
// shipped, computed as mimirctl computes it (ingestershutdown.QueryableWait)
// from the flags the library renders for the querier, the store-gateways and
// the compactor; ingesters ship cut blocks every 15 s.
func TestTestEnvironmentZoneShutdownWaitsAMinute(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		specs := podSpecs(t, objs)
		flag := func(workload, container, name string) ingestershutdown.ConfigValue {
			t.Helper()
			spec, ok := specs[workload]
			if !ok {
				t.Fatalf("no %s in the render", workload)
			}
			for _, c := range spec.Containers {
				if c.Name != container {
					continue
				}
				raw, ok := mimirFlags(c)[name]
				if !ok {
					t.Fatalf("%s container %s: no -%s", workload, container, name)
				}
				d, err := ingestershutdown.ParseDuration(raw)
				if err != nil {
					t.Fatalf("%s container %s: -%s=%s: %v", workload, container, name, raw, err)
				}
				return ingestershutdown.ConfigValue{Key: name, Value: d, Pod: workload, Pods: 1}
			}
			t.Fatalf("%s has no container %s", workload, container)
			return ingestershutdown.ConfigValue{}
		}
		const sync = "blocks-storage.bucket-store.sync-interval"
		w := ingestershutdown.QueryableWait{
			QueryStoreAfter:    flag("Deployment/querier", "querier", "querier.query-store-after"),
			IgnoreBlocksWithin: flag("StatefulSet/store-gateway-zone-a", "store-gateway", "blocks-storage.bucket-store.ignore-blocks-within"),
			SyncInterval:       flag("StatefulSet/store-gateway-zone-a", "store-gateway", sync),
			CleanupInterval:    flag("StatefulSet/compactor", "compactor", "compactor.cleanup-interval"),
		}
		if got := w.Duration(); got != time.Minute {
			t.Errorf("the zone shutdown's wait: %s, want 1m", w)
		}
		if q := flag("Deployment/querier", "querier", sync); q.Value != w.SyncInterval.Value {
			t.Errorf("queriers count their bucket index stale after %s, store-gateways reread it every %s: want one interval", q.Value, w.SyncInterval.Value)
		}
		for _, zone := range []string{"a", "b", "c"} {
			if ship := flag("StatefulSet/ingester-zone-"+zone, "ingester", "blocks-storage.tsdb.ship-interval"); ship.Value != 15*time.Second {
				t.Errorf("ingester-zone-%s ships every %s, want 15s", zone, ship.Value)
			}
		}
	})
}

// Store-gateways and compactors wait 10 s, not the library's minute, for
// their ring to settle before they take their share: every Mimir container
// that has a -*.wait-stability-min-duration has it at 10 s, and the
// store-gateways and the compactor have one.
func TestTestEnvironmentRingsSettleInTenSeconds(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		seen := map[string]bool{}
		for k, spec := range podSpecs(t, objs) {
			for _, c := range spec.Containers {
				if !isMimir(c) {
					continue
				}
				for name, value := range mimirFlags(c) {
					if !strings.HasSuffix(name, ".wait-stability-min-duration") {
						continue
					}
					seen[name] = true
					if value != "10s" {
						t.Errorf("%s container %s: -%s=%s, want 10s", k, c.Name, name, value)
					}
				}
			}
		}
		for _, name := range []string{"store-gateway.sharding-ring.wait-stability-min-duration", "compactor.ring.wait-stability-min-duration"} {
			if !seen[name] {
				t.Errorf("no container sets -%s", name)
			}
		}
	})
}

// Every Mimir container that delays its shutdown does so for 15 s, longer
// than its gRPC max-connection-age (the library's rule, kept at test size):
// the distributors and query-frontends on both modules, and in the 2.16
// read-write mode mimir-write and mimir-read, which inherit their args.
func TestTestEnvironmentShutdownDelaysAreShort(t *testing.T) {
	check := func(t *testing.T, objs []*unstructured.Unstructured, want ...string) {
		t.Helper()
		delayed := map[string]bool{}
		for k, spec := range podSpecs(t, objs) {
			for _, c := range spec.Containers {
				flags := mimirFlags(c)
				delay, ok := flags["shutdown-delay"]
				if !isMimir(c) || !ok {
					continue
				}
				delayed[k] = true
				d, err := time.ParseDuration(delay)
				if err != nil || d != 15*time.Second {
					t.Errorf("%s: -shutdown-delay=%s, want 15s", k, delay)
				}
				age, err := time.ParseDuration(flags["server.grpc.keepalive.max-connection-age"])
				if err != nil || age >= d {
					t.Errorf("%s: -server.grpc.keepalive.max-connection-age=%s, want below -shutdown-delay=%s", k, flags["server.grpc.keepalive.max-connection-age"], delay)
				}
			}
		}
		for _, k := range want {
			if !delayed[k] {
				t.Errorf("%s sets no -shutdown-delay (have %v)", k, delayed)
			}
		}
	}
	forEachEnvironment(t, func(t *testing.T, objs []*unstructured.Unstructured, _ string) {
		check(t, objs, "Deployment/distributor", "Deployment/query-frontend")
	})
	t.Run("2.16 read-write", func(t *testing.T) {
		res := renderMimir216(t, scenario.LongTermData+" + "+scenario.ReadWrite)
		check(t, res.Objects, "Deployment/mimir-read", "StatefulSet/mimir-write-zone-a", "StatefulSet/mimir-write-zone-b", "StatefulSet/mimir-write-zone-c")
	})
}

// WriteTestProject merges a scenario's extra jsonnet into the environment:
// here a tenant's limits, which the library writes into its runtime
// configuration ConfigMap.
func TestWriteTestProjectMergesExtra(t *testing.T) {
	extra := "{ _config+:: { overrides+: { 'e2e-extra': { ingestion_rate: 12345 } } } }"
	res := renderWith(t, extra)
	for _, o := range res.Objects {
		if o.GetKind() != "ConfigMap" || o.GetName() != "overrides" {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(o.Object, "data")
		if !strings.Contains(data["overrides.yaml"], "e2e-extra") || !strings.Contains(data["overrides.yaml"], "12345") {
			t.Errorf("ConfigMap overrides does not carry the extra tenant:\n%s", data["overrides.yaml"])
		}
		return
	}
	t.Error("no ConfigMap overrides in the render")
}

// The KV migrations' starting point (KVStartLib merged into the
// environment): every ring client on Consul at the library's consul Service
// and no memberlist; the distributors' HA tracker on etcd at the etcd
// Service; Consul and etcd run on the local cluster (Consul's server
// container only).
func TestKVStartEnvironmentHasRingsOnConsulAndTheHATrackerOnEtcd(t *testing.T) {
	res := renderWith(t, "(import '"+grafanalib.KVStartLib+"')")
	objs := res.Objects
	checkRunsOnTheLocalCluster(t, objs, "mimir3")
	have := map[string]bool{}
	for _, o := range objs {
		have[key(o)] = true
	}
	for _, k := range []string{"Deployment/consul", "Service/consul", "StatefulSet/etcd", "Service/etcd"} {
		if !have[k] {
			t.Errorf("no %s rendered", k)
		}
	}
	consul := fmt.Sprintf("consul.%s.svc.cluster.local.:8500", testNamespace)
	rings, trackers := 0, 0
	for k, spec := range podSpecs(t, objs) {
		if k == "Deployment/consul" {
			if len(spec.Containers) != 1 || spec.Containers[0].Name != "consul" {
				t.Errorf("%s runs %d containers, want the consul server only", k, len(spec.Containers))
			}
		}
		for _, c := range spec.Containers {
			if !isMimir(c) {
				continue
			}
			f := mimirFlags(c)
			if _, ok := f["memberlist.join"]; ok {
				t.Errorf("%s: joins memberlist (-memberlist.join=%s)", k, f["memberlist.join"])
			}
			for name, value := range f {
				prefix, ok := strings.CutSuffix(name, "ring.store")
				if !ok {
					continue
				}
				rings++
				if value != "consul" || f[prefix+"ring.consul.hostname"] != consul {
					t.Errorf("%s: -%s=%s at %q, want consul at %s", k, name, value, f[prefix+"ring.consul.hostname"], consul)
				}
			}
			if f["target"] == "distributor" {
				trackers++
				if want := fmt.Sprintf("etcd.%s.svc.cluster.local.:2379", testNamespace); f["distributor.ha-tracker.store"] != "etcd" || f["distributor.ha-tracker.etcd.endpoints"] != want {
					t.Errorf("%s: HA tracker on %q at %q, want etcd at %s", k, f["distributor.ha-tracker.store"], f["distributor.ha-tracker.etcd.endpoints"], want)
				}
			}
		}
	}
	if rings == 0 || trackers == 0 {
		t.Errorf("%d ring clients and %d distributors rendered, want some of each", rings, trackers)
	}
}

// No Mimir component of the environment reports anonymous usage
// statistics (-usage-stats.enabled=false; Mimir's default is true).
func TestTestEnvironmentReportsNoUsageStatistics(t *testing.T) {
	forEachEnvironment(t, checkNoUsageStatistics)
}

func checkNoUsageStatistics(t *testing.T, objs []*unstructured.Unstructured, _ string) {
	n := 0
	for k, spec := range podSpecs(t, objs) {
		for _, c := range spec.Containers {
			if !isMimir(c) {
				continue
			}
			n++
			if v := mimirFlags(c)["usage-stats.enabled"]; v != "false" {
				t.Errorf("%s container %s: -usage-stats.enabled=%q, want false", k, c.Name, v)
			}
		}
	}
	if n == 0 {
		t.Error("no Mimir container rendered")
	}
}

// Once the rings have moved to memberlist the library renders no Consul,
// and the KV starting point's changes to it must not break the render.
func TestKVStartEnvironmentRendersWithoutConsul(t *testing.T) {
	extra := "(import '" + grafanalib.KVStartLib + "') + { _config+:: { memberlist_ring_enabled: true } }"
	res := renderWith(t, extra)
	for _, o := range res.Objects {
		if strings.Contains(o.GetName(), "consul") {
			t.Errorf("%s rendered with every ring on memberlist", key(o))
		}
	}
}

// renderWith writes the environment with extra merged into it
// (WriteTestProject) and renders it.
func renderWith(t *testing.T, extra string) *tanka.Result {
	t.Helper()
	envDir, err := grafanalib.WriteTestProject(t.TempDir(), k8sLib, grafanalib.Mimir305, testNamespace, extra)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tanka.Load(context.Background(), envDir, tanka.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// On the 2.16 library, whose distributors keep their HA tracker on etcd
// (at etcd-operator's Service etcd-client), the environment renders no
// EtcdCluster (etcd-operator cannot run on the local cluster) and points
// every distributor at the etcd StatefulSet it adds; the ruler, which the
// 2.16 environment runs, keeps its rules in a bucket the gateway creates.
func TestMimir216EnvironmentRunsTheHATrackerOnItsOwnEtcd(t *testing.T) {
	objs := objectsOf(t, grafanalib.Mimir216)
	have := map[string]bool{}
	for _, o := range objs {
		have[key(o)] = true
		if o.GetKind() == "EtcdCluster" || strings.HasPrefix(o.GetAPIVersion(), "etcd.database.coreos.com/") {
			t.Errorf("%s %s is rendered", o.GetAPIVersion(), key(o))
		}
	}
	for _, k := range []string{"StatefulSet/etcd", "Service/etcd", "Deployment/ruler"} {
		if !have[k] {
			t.Errorf("no %s rendered", k)
		}
	}
	specs := podSpecs(t, objs)
	gw := specs["Deployment/versitygw"]
	distributors := 0
	for k, spec := range specs {
		for _, c := range spec.Containers {
			if !isMimir(c) {
				continue
			}
			f := mimirFlags(c)
			switch f["target"] {
			case "distributor":
				distributors++
				if want := fmt.Sprintf("etcd.%s.svc.cluster.local.:2379", testNamespace); f["distributor.ha-tracker.store"] != "etcd" || f["distributor.ha-tracker.etcd.endpoints"] != want {
					t.Errorf("%s: HA tracker on %q at %q, want etcd at %s", k, f["distributor.ha-tracker.store"], f["distributor.ha-tracker.etcd.endpoints"], want)
				}
			case "ruler":
				bucket := f["ruler-storage.s3.bucket-name"]
				if len(gw.Containers) != 1 || bucket == "" || bucket == f["blocks-storage.s3.bucket-name"] ||
					!createsDir(gw, gw.Containers[0], "/data", "/data/"+bucket) {
					t.Errorf("%s: ruler bucket %q is not a bucket of its own that the gateway creates", k, bucket)
				}
			}
		}
	}
	if distributors == 0 {
		t.Error("no distributor rendered")
	}
}

// The read-write round trip's long-term data settings
// (scenario.LongTermData) keep every Mimir component that has
// either flag valid: Mimir refuses to start when
// -querier.query-ingesters-within (default 13h) is not above
// -querier.query-store-after (default 12h). The ruler, which queries like
// the queriers, once crash-looped on 6m against its default 12h.
// Both modes are checked: microservices (the round trip's start) and
// Grafana's read-write mode (scenario.ReadWrite), where mimir-read and
// mimir-backend take the flags over.
func TestLongTermDataKeepsQueryIngestersWithinAboveQueryStoreAfter(t *testing.T) {
	for name, extra := range map[string]string{"microservices": scenario.LongTermData, "read-write": scenario.LongTermData + " + " + scenario.ReadWrite} {
		t.Run(name, func(t *testing.T) { checkQueryIngestersWithin(t, renderMimir216(t, extra)) })
	}
}

// renderMimir216 renders the e2e environment on Grafana's 2.16 library with
// extra merged into it.
func renderMimir216(t *testing.T, extra string) *tanka.Result {
	t.Helper()
	envDir, err := grafanalib.WriteTestProject(t.TempDir(), k8sLib, grafanalib.Mimir216, testNamespace, extra)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tanka.Load(context.Background(), envDir, tanka.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkQueryIngestersWithin(t *testing.T, res *tanka.Result) {
	t.Helper()
	effective := func(f map[string]string, name string, def time.Duration) time.Duration {
		t.Helper()
		v, ok := f[name]
		if !ok {
			return def
		}
		d, err := ingestershutdown.ParseDuration(v)
		if err != nil {
			t.Fatalf("-%s=%s: %v", name, v, err)
		}
		return d
	}
	checked := 0
	for k, spec := range podSpecs(t, res.Objects) {
		for _, c := range spec.Containers {
			f := mimirFlags(c)
			_, within := f["querier.query-ingesters-within"]
			_, after := f["querier.query-store-after"]
			if !isMimir(c) || (!within && !after) {
				continue
			}
			checked++
			w := effective(f, "querier.query-ingesters-within", 13*time.Hour)
			a := effective(f, "querier.query-store-after", 12*time.Hour)
			if w <= a {
				t.Errorf("%s container %s: -querier.query-ingesters-within %s is not above -querier.query-store-after %s: Mimir refuses to start", k, c.Name, w, a)
			}
		}
	}
	if checked < 2 {
		t.Errorf("%d Mimir containers set either flag, want the querier and the ruler at least", checked)
	}
}

// scenario.ReadWrite (after scenario.LongTermData) is Grafana's read-write
// mode as its users run it: pods only in mimir-write
// and mimir-backend (one per zone) and mimir-read (one), besides the
// environment's own S3 gateway and etcd; no microservice runs a pod.
func TestReadWriteStartRunsReadWriteModeOnly(t *testing.T) {
	res := renderMimir216(t, scenario.LongTermData+" + "+scenario.ReadWrite)
	want := map[string]int64{
		"Deployment/mimir-read": 1, "Deployment/versitygw": 1, "StatefulSet/etcd": 1,
		"StatefulSet/mimir-write-zone-a": 1, "StatefulSet/mimir-write-zone-b": 1, "StatefulSet/mimir-write-zone-c": 1,
		"StatefulSet/mimir-backend-zone-a": 1, "StatefulSet/mimir-backend-zone-b": 1, "StatefulSet/mimir-backend-zone-c": 1,
	}
	got := map[string]int64{}
	for _, o := range res.Objects {
		u := &unstructured.Unstructured{Object: o.Object}
		if u.GetKind() != "Deployment" && u.GetKind() != "StatefulSet" {
			continue
		}
		n, found, err := unstructured.NestedInt64(u.Object, "spec", "replicas")
		if err != nil {
			t.Fatalf("%s: spec.replicas: %v", key(u), err)
		}
		if !found {
			n = 1 // the API server's default
		}
		if n > 0 {
			got[key(u)] = n
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("workloads with pods: %v, want %v", got, want)
	}
}
