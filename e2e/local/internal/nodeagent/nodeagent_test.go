package nodeagent

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/ipam"
)

func TestNextBackoff(t *testing.T) {
	d := time.Duration(0)
	var got []time.Duration
	for range 7 {
		d = nextBackoff(d, time.Second)
		got = append(got, d)
	}
	want := []time.Duration{2, 4, 8, 16, 32, 40, 40}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("back-off sequence %v, want %v seconds", got, want)
		}
	}
	if d := nextBackoff(40*time.Second, config.RestartBackoffReset); d != config.RestartBackoffInitial {
		t.Errorf("a long run resets the back-off, got %s", d)
	}
}

func TestRestartWanted(t *testing.T) {
	for _, tt := range []struct {
		policy corev1.RestartPolicy
		code   int32
		want   bool
	}{
		{corev1.RestartPolicyAlways, 0, true}, {corev1.RestartPolicyAlways, 1, true},
		{corev1.RestartPolicyOnFailure, 0, false}, {corev1.RestartPolicyOnFailure, 2, true},
		{corev1.RestartPolicyNever, 1, false},
	} {
		if got := restartWanted(tt.policy, tt.code); got != tt.want {
			t.Errorf("%s after exit %d: restart=%v, want %v", tt.policy, tt.code, got, tt.want)
		}
	}
}

func stsPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "mimir", Name: "ingester-zone-a-0", UID: "uid-1"},
		Spec: corev1.PodSpec{
			Hostname: "ingester-zone-a-0", Subdomain: "ingester-zone-a", NodeName: "zone-a-node-1",
			Containers: []corev1.Container{{Name: "ingester", Image: "grafana/mimir:3.0.5",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}}},
		},
	}
}

func TestHostsFile(t *testing.T) {
	got := hostsFile(stsPod(), netip.MustParseAddr("10.244.0.5"))
	if !strings.Contains(got, "10.244.0.5\tingester-zone-a-0.ingester-zone-a.mimir.svc.cluster.local\tingester-zone-a-0\n") {
		t.Errorf("a StatefulSet pod's hosts file lacks its FQDN:\n%s", got)
	}
}

func TestResolvConfHonoursDNSConfig(t *testing.T) {
	pod := stsPod()
	pod.Spec.DNSConfig = &corev1.PodDNSConfig{Searches: []string{"example.internal"}, Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr.To("2")}}}
	got := string(resolvConfFor(pod, netip.MustParseAddr("10.244.0.1")))
	if !strings.Contains(got, "cluster.local example.internal\n") || !strings.Contains(got, "ndots:5 ndots:2") {
		t.Errorf("resolv.conf:\n%s", got)
	}
}

// testAgent is an agent whose caches hold objs; nothing is started.
func testAgent(t *testing.T, objs ...any) *Agent {
	t.Helper()
	client := fake.NewClientset()
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.ConfigMap:
			_, _ = client.CoreV1().ConfigMaps(v.Namespace).Create(context.Background(), v, metav1.CreateOptions{})
		case *corev1.Secret:
			_, _ = client.CoreV1().Secrets(v.Namespace).Create(context.Background(), v, metav1.CreateOptions{})
		}
	}
	alloc, _ := ipam.New("10.244.0.0/16")
	f := informers.NewSharedInformerFactory(client, 0)
	a := New(Config{Client: client, IPAM: alloc, APIServerPort: 6443, Marker: config.MarkerEnv + "=/state", Log: slog.New(slog.DiscardHandler)}, f)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return a
}

func TestContainerEnv(t *testing.T) {
	a := testAgent(t,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "mimir", Name: "env"}, Data: map[string]string{"A": "from-cm", "B": "b"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "mimir", Name: "s"}, Data: map[string][]byte{"token": []byte("t0k")}},
	)
	pod := stsPod()
	c := &pod.Spec.Containers[0]
	c.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "env"}}, Prefix: "CM_"}}
	c.Env = []corev1.EnvVar{
		{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		{Name: "CPU", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "requests.cpu", Divisor: resource.MustParse("1m")}}},
		{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "token"}}},
		{Name: "ADDR", Value: "$(POD_IP):9095"},
		{Name: "CM_A", Value: "env wins over envFrom"},
	}
	list, env, err := a.containerEnv(pod, c, "10.244.0.5")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"POD_IP": "10.244.0.5", "NODE": "zone-a-node-1", "CPU": "500", "TOKEN": "t0k", "ADDR": "10.244.0.5:9095",
		"CM_A": "env wins over envFrom", "CM_B": "b", "HOSTNAME": "ingester-zone-a-0",
		"KUBERNETES_SERVICE_HOST": "10.244.0.1", "KUBERNETES_SERVICE_PORT": "6443", config.MarkerEnv: "/state",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if len(list) != len(env) {
		t.Errorf("list has %d entries, map %d: duplicates", len(list), len(env))
	}
	t.Run("a missing ConfigMap key fails the container's config", func(t *testing.T) {
		c.Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "env"}, Key: "absent"}}}}
		if _, _, err := a.containerEnv(pod, c, ""); err == nil {
			t.Error("no error")
		}
	})
}

func TestBuildStatus(t *testing.T) {
	a := testAgent(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	newWorker := func(pod *corev1.Pod) *podWorker {
		w := newPodWorker(a, pod)
		w.sb = &sandbox{ip: netip.MustParseAddr("10.244.0.5")}
		return w
	}
	t.Run("a running container without readiness probe makes the pod Running and Ready", func(t *testing.T) {
		w := newWorker(stsPod())
		c := w.ctrs[0]
		c.running, c.everRan, c.ready, c.started, c.startedAt = true, true, true, true, start
		st := w.buildStatus(stsPod())
		if st.Phase != corev1.PodRunning || st.PodIP != "10.244.0.5" || !cond(st, corev1.PodReady) || !st.ContainerStatuses[0].Ready {
			t.Errorf("status = %+v", st)
		}
	})
	t.Run("a crashed container waiting for its restart is CrashLoopBackOff, not ready", func(t *testing.T) {
		w := newWorker(stsPod())
		c := w.ctrs[0]
		c.everRan, c.restarts = true, 3
		c.last = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}
		c.waitingReason = "CrashLoopBackOff"
		st := w.buildStatus(stsPod())
		cs := st.ContainerStatuses[0]
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.RestartCount != 3 ||
			cs.LastTerminationState.Terminated == nil || cond(st, corev1.PodReady) || st.Phase != corev1.PodRunning {
			t.Errorf("status = %+v", st)
		}
	})
	t.Run("a pod whose init container has not succeeded is Pending and not Initialized", func(t *testing.T) {
		pod := stsPod()
		pod.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox:1.36"}}
		w := newWorker(pod)
		w.inits[0].running, w.inits[0].everRan = true, true
		st := w.buildStatus(pod)
		if st.Phase != corev1.PodPending || cond(st, corev1.PodInitialized) || st.ContainerStatuses[0].State.Waiting.Reason != "PodInitializing" {
			t.Errorf("status = %+v", st)
		}
	})
	t.Run("the scheduler's condition is kept and transition times hold while a value holds", func(t *testing.T) {
		pod := stsPod()
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}
		w := newWorker(pod)
		first := w.buildStatus(pod)
		time.Sleep(1100 * time.Millisecond)
		second := w.buildStatus(pod)
		if !cond(second, corev1.PodScheduled) || transition(first, corev1.PodReady) != transition(second, corev1.PodReady) {
			t.Errorf("conditions %v then %v", first.Conditions, second.Conditions)
		}
	})
}

func cond(st corev1.PodStatus, typ corev1.PodConditionType) bool {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func transition(st corev1.PodStatus, typ corev1.PodConditionType) time.Time {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

func TestNodeObject(t *testing.T) {
	n := NodeObject(Node{Name: "zone-b-node-2", Zone: "zone-b"}, "10.244.0.1")
	if n.Labels[config.LabelZone] != "zone-b" || n.Labels[config.LabelHostname] != "zone-b-node-2" ||
		n.Status.Addresses[0].Address != "10.244.0.1" || n.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Errorf("node = %+v", n)
	}
}
