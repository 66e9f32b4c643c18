//go:build e2e

package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// jobImage is the image of mimirctl's in-cluster runs: on the local cluster
// the node agent runs the suite's own build for it (images.Default maps
// mimirctl:* to bin/mimirctl, where the harness installs it).
const jobImage = "mimirctl:e2e"

// envRootInCluster returns a directory for a Tanka project that pods of the
// local cluster can mount read-write at the same path (a hostPath volume
// inside the cluster's state directory is bound as it is), so that a run
// started here and continued by an in-cluster Job reads and writes one
// environment, as a PersistentVolume would share it between nights. On a
// cluster given by MIMIRCTL_E2E_KUBECONFIG, whose nodes' file systems the
// suite cannot reach, it returns "" (no in-cluster Job there).
func envRootInCluster(t *testing.T, ns string) string {
	t.Helper()
	if harness.cluster == nil {
		return ""
	}
	dir := filepath.Join(harness.cluster.StateDir, "hostpath", "mimirctl-e2e", ns)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// installDeployRBAC creates the ServiceAccount "mimirctl" and its Roles as
// deploy/rbac ships them (apply.yaml and cluster-role.yaml) in ns, as
// `kubectl apply -k deploy/rbac` with `namespace: NS` would: namespaced
// objects and the bindings' subjects in ns; the cluster-scoped ones get the
// suffix -NS so that scenarios running side by side do not meet. It adds a
// Role for the one kind the e2e environment renders beyond Grafana's
// library (a PersistentVolumeClaim), as apply.yaml asks of such
// environments.
func installDeployRBAC(t *testing.T, ns string) {
	t.Helper()
	ctx := context.Background()
	k := harness.clients.Kube
	for _, file := range []string{"cluster-role.yaml", "apply.yaml"} {
		data, err := os.ReadFile(filepath.Join(moduleRoot(t), "deploy", "rbac", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(data), "\n---\n") {
			var head metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("deploy/rbac/%s: %v", file, err)
			}
			switch head.Kind {
			case "ServiceAccount":
				var o corev1.ServiceAccount
				decode(t, file, doc, &o)
				o.Namespace = ns
				_, err = k.CoreV1().ServiceAccounts(ns).Create(ctx, &o, metav1.CreateOptions{})
			case "Role":
				var o rbacv1.Role
				decode(t, file, doc, &o)
				o.Namespace = ns
				_, err = k.RbacV1().Roles(ns).Create(ctx, &o, metav1.CreateOptions{})
			case "RoleBinding":
				var o rbacv1.RoleBinding
				decode(t, file, doc, &o)
				o.Namespace = ns
				inNamespace(o.Subjects, ns)
				_, err = k.RbacV1().RoleBindings(ns).Create(ctx, &o, metav1.CreateOptions{})
			case "ClusterRole":
				var o rbacv1.ClusterRole
				decode(t, file, doc, &o)
				o.Name += "-" + ns
				_ = k.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{})
				_, err = k.RbacV1().ClusterRoles().Create(ctx, &o, metav1.CreateOptions{})
				t.Cleanup(func() { _ = k.RbacV1().ClusterRoles().Delete(context.Background(), o.Name, metav1.DeleteOptions{}) })
			case "ClusterRoleBinding":
				var o rbacv1.ClusterRoleBinding
				decode(t, file, doc, &o)
				o.Name += "-" + ns
				o.RoleRef.Name += "-" + ns
				inNamespace(o.Subjects, ns)
				_ = k.RbacV1().ClusterRoleBindings().Delete(ctx, o.Name, metav1.DeleteOptions{})
				_, err = k.RbacV1().ClusterRoleBindings().Create(ctx, &o, metav1.CreateOptions{})
				t.Cleanup(func() {
					_ = k.RbacV1().ClusterRoleBindings().Delete(context.Background(), o.Name, metav1.DeleteOptions{})
				})
			default:
				t.Fatalf("deploy/rbac/%s: unexpected kind %q", file, head.Kind)
			}
			if err != nil {
				t.Fatalf("deploy/rbac/%s: create %s: %v", file, head.Kind, err)
			}
		}
	}
	// The e2e environment renders a kind Grafana's library does not, so
	// deploy/rbac does not cover it: the Versity gateway's
	// PersistentVolumeClaim. As apply.yaml tells a user whose environment
	// renders other kinds, add them: here get, create and patch of claims
	// (apply.yaml already lists them, and deletes them only for
	// --delete-pvcs).
	extra := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "mimirctl-e2e-environment-kinds", Namespace: ns},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"persistentvolumeclaims"}, Verbs: []string{"get", "create", "patch"}}}}
	if _, err := k.RbacV1().Roles(ns).Create(ctx, extra, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: extra.Name, Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: extra.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "mimirctl", Namespace: ns}}}
	if _, err := k.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func inNamespace(subjects []rbacv1.Subject, ns string) {
	for i := range subjects {
		subjects[i].Namespace = ns
	}
}

func decode(t *testing.T, file, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := cluster.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// windowJob is deploy/job/job.yaml, the maintenance-window Job the README
// ships, in ns with jobImage and args, as the ServiceAccount of
// installDeployRBAC. Its environment is not cloned into the example's claim
// (no git server here): the volume is envRoot (see envRootInCluster),
// mounted at the same path, where the run that the Job continues recorded
// it.
func windowJob(t *testing.T, ns, envRoot string, args []string) *batchv1.Job {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "deploy", "job", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	decode(t, "deploy/job/job.yaml", string(data), &job)
	job.Namespace = ns
	spec := &job.Spec.Template.Spec
	spec.InitContainers = nil
	if len(spec.Containers) != 1 || len(spec.Volumes) != 1 || spec.Volumes[0].PersistentVolumeClaim == nil {
		t.Fatalf("deploy/job/job.yaml: want one container and one claim holding the environment, got %d and %+v", len(spec.Containers), spec.Volumes)
	}
	hostPath := corev1.HostPathDirectory
	spec.Volumes[0].VolumeSource = corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: envRoot, Type: &hostPath}}
	c := &spec.Containers[0]
	c.Image, c.Args = jobImage, args
	for i := range c.VolumeMounts {
		c.VolumeMounts[i].MountPath = envRoot
	}
	return &job
}

// jobRun is what a finished Job left: its pod's exit code and log.
type jobRun struct {
	name   string
	exit   int32
	log    string
	events []plan.Event
	took   time.Duration
}

// runJob creates job, waits up to timeout for it to finish and returns its
// pod's exit code, log (stdout and stderr, as the kubelet keeps them) and
// the JSON events among the log's lines.
func runJob(t *testing.T, job *batchv1.Job, timeout time.Duration) jobRun {
	t.Helper()
	ctx := context.Background()
	k := harness.clients.Kube
	created, err := k.BatchV1().Jobs(job.Namespace).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create the Job: %v", err)
	}
	t.Cleanup(func() {
		bg := metav1.DeletePropagationBackground
		_ = k.BatchV1().Jobs(job.Namespace).Delete(context.Background(), created.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
	})
	start := time.Now()
	var pod *corev1.Pod
	err = wait.PollUntilContextTimeout(ctx, 5*time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		pods, err := k.CoreV1().Pods(job.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + created.Name})
		if err != nil || len(pods.Items) == 0 {
			return false, nil
		}
		p := pods.Items[0]
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name == "mimirctl" && cs.State.Terminated != nil {
				pod = &p
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("Job %s/%s: no finished mimirctl container after %s: %v", job.Namespace, created.Name, timeout, err)
	}
	r := jobRun{name: created.Name}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == "mimirctl" {
			r.exit = cs.State.Terminated.ExitCode
		}
	}
	raw, err := k.CoreV1().Pods(job.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "mimirctl"}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("log of %s: %v", pod.Name, err)
	}
	r.log = string(raw)
	if r.events, err = scenario.ParseEvents(r.log); err != nil {
		t.Errorf("Job %s: %v", created.Name, err)
	}
	r.took = time.Since(start)
	recordJobCost(t, created.Name, r.took, r.events)
	t.Logf("Job %s (%s) → exit %d after %s, %d events; log ends with:\n%s",
		created.Name, strings.Join(job.Spec.Template.Spec.Containers[0].Args, " "), r.exit,
		r.took.Round(time.Second), len(r.events), tail(r.log, 30))
	return r
}

// eventsOf lists the types of events, for messages.
func eventsOf(evs []plan.Event) string {
	var b strings.Builder
	for i, e := range evs {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s", e.Type)
		if e.Step != "" {
			fmt.Fprintf(&b, "(%s)", e.Step)
		}
	}
	return b.String()
}
