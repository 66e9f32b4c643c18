package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

// fakeSleep is a WaitOptions.Sleep that returns at once (ctx's error once
// it ended), recording the intervals asked for.
type fakeSleep struct{ slept []time.Duration }

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.slept = append(f.slept, d)
	return ctx.Err()
}

func TestWaitRolloutReturnsOnceTheRolloutIsDone(t *testing.T) {
	objs := append(stsPods("ingester-zone-a", 2, "rev-2"), pod("ingester-zone-a-2", "ingester-zone-a", "StatefulSet", "rev-1"),
		statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Label(LabelRolloutGroup, "ingester"), testkit.ReplicaStatus(3, 3, 2)))
	cs := fake.NewClientset(objs...)
	checks := 0
	progress := func(st []RolloutStatus) {
		checks++
		if checks == 2 { // rollout-operator replaced the last pod meanwhile
			p := pod("ingester-zone-a-2", "ingester-zone-a", "StatefulSet", "rev-2")
			_, _ = cs.CoreV1().Pods(ns).Update(context.Background(), p, metav1.UpdateOptions{})
			s := statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Label(LabelRolloutGroup, "ingester"))
			_, _ = cs.AppsV1().StatefulSets(ns).UpdateStatus(context.Background(), s, metav1.UpdateOptions{})
		}
	}
	fs := &fakeSleep{}
	st, err := WaitRollout(context.Background(), cs, []Workload{{Kind: "StatefulSet", Namespace: ns, Name: "ingester-zone-a"}},
		WaitOptions{Interval: 10 * time.Second, Sleep: fs.sleep}, progress)
	if err != nil || !st[0].Done || checks != 3 {
		t.Fatalf("WaitRollout = %+v, %v after %d checks; want done after 3", st, err, checks)
	}
	if len(fs.slept) != 2 || fs.slept[0] != 10*time.Second {
		t.Errorf("slept %v, want 10s twice", fs.slept)
	}
}

func TestWaitRolloutTimeoutNamesThePodsHoldingItBack(t *testing.T) {
	objs := append(stsPods("ingester-zone-a", 1, "rev-1"), statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Replicas(1), testkit.ReplicaStatus(1, 1, 0)))
	ctx, cancel := context.WithCancel(context.Background())
	_, err := WaitRollout(ctx, fake.NewClientset(objs...), []Workload{{Kind: "StatefulSet", Namespace: ns, Name: "ingester-zone-a"}},
		WaitOptions{Interval: time.Minute, Sleep: (&fakeSleep{}).sleep}, func([]RolloutStatus) { cancel() })
	for _, want := range []string{"StatefulSet mimir/ingester-zone-a 0/1 pods updated", "held back by ingester-zone-a-0 (old revision)",
		"kubectl -n mimir delete pod ingester-zone-a-0", "context canceled"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("error %v does not say %q", err, want)
		}
	}
}

// With WaitOptions.Sleep (a run's Progress.Sleep) the wait is paced by it,
// and its error (a maintenance window that ended) ends the wait as is.
func TestWaitRolloutIsPacedByTheRunsSleep(t *testing.T) {
	objs := append(stsPods("ingester-zone-a", 1, "rev-1"), statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Replicas(1), testkit.ReplicaStatus(1, 1, 0)))
	windowEnded := errors.New("window ended")
	sleeps := 0
	sleep := func(context.Context, time.Duration) error {
		if sleeps++; sleeps == 3 {
			return windowEnded
		}
		return nil
	}
	_, err := WaitRollout(context.Background(), fake.NewClientset(objs...), []Workload{{Kind: "StatefulSet", Namespace: ns, Name: "ingester-zone-a"}},
		WaitOptions{Interval: time.Hour, Sleep: sleep}, nil)
	if !errors.Is(err, windowEnded) || sleeps != 3 {
		t.Fatalf("err = %v after %d sleeps, want the sleep's error after 3", err, sleeps)
	}
}

// A wait whose caller ends it with a cause (a timeout on the run's clock,
// context.DeadlineExceeded) returns that cause, with what it waited for.
func TestAWaitEndedWithACauseReturnsTheCause(t *testing.T) {
	objs := append(stsPods("ingester-zone-a", 1, "rev-1"), statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Replicas(1), testkit.ReplicaStatus(1, 1, 0)))
	ctx, cancel := context.WithCancelCause(context.Background())
	sleep := func(context.Context, time.Duration) error {
		cancel(context.DeadlineExceeded)
		return ctx.Err()
	}
	_, err := WaitRollout(ctx, fake.NewClientset(objs...), []Workload{{Kind: "StatefulSet", Namespace: ns, Name: "ingester-zone-a"}},
		WaitOptions{Sleep: sleep}, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "wait for rollouts: StatefulSet mimir/ingester-zone-a 0/1 pods updated") {
		t.Fatalf("err = %v, want the cause with the rollout still pending", err)
	}
}
