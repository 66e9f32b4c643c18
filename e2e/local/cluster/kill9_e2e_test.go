//go:build e2e

package cluster_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
)

// TestLocalClusterDownAfterKill9 kills the supervisor and every process of
// the cluster with SIGKILL while a pod runs, then checks that Down still
// removes every process, namespace, link, mount and file. It runs a cluster
// of its own (state directory, subnet and Prometheus port apart from the
// default ones), so the suite's cluster keeps running beside it.
func TestLocalClusterDownAfterKill9(t *testing.T) {
	stateDir := "/tmp/mctl-kill9-test"
	_ = cluster.Down(context.Background(), cluster.DownOptions{StateDir: stateDir}) // a crashed earlier run
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := cluster.Up(ctx, cluster.Options{StateDir: stateDir, PodCIDR: "10.252.0.0/16", PrometheusPort: 19093, Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cluster.Down(context.Background(), cluster.DownOptions{StateDir: c.StateDir}) }()
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sleeper", Namespace: "default"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "sleep", Image: "busybox:1.36", Command: []string{"sleep", "3600"},
				VolumeMounts: []corev1.VolumeMount{{Name: "scratch", MountPath: "/scratch"}}}},
			Volumes: []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the pod runs", func() (bool, string) {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "sleeper", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, "not yet"
	})
	before, err := cluster.Leftovers(c.StateDir)
	if err != nil || len(before.Processes) < 6 || len(before.Netns) != 1 || len(before.Links) != 2 {
		t.Fatalf("a running cluster should show processes, one netns and two links: %s (%v)", before, err)
	}
	t.Logf("running cluster: %s; %d MB resident", before, residentMB(before.Processes))
	for _, pid := range before.Processes {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	start := time.Now()
	if err := cluster.Down(ctx, cluster.DownOptions{StateDir: c.StateDir}); err != nil {
		t.Fatalf("down after kill -9: %v", err)
	}
	t.Logf("down after kill -9 took %.1fs", time.Since(start).Seconds())
	if left, err := cluster.Leftovers(c.StateDir); err != nil || !left.Empty() {
		t.Errorf("left behind: %s (%v)", left, err)
	}
	if _, err := os.Stat(c.StateDir); !os.IsNotExist(err) {
		t.Errorf("state directory %s still exists", c.StateDir)
	}
}

// residentMB sums the resident memory of pids.
func residentMB(pids []int) int {
	kb := 0
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				v, _ := strconv.Atoi(f[1])
				kb += v
			}
		}
	}
	return kb / 1024
}
