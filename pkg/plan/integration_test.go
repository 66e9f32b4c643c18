//go:build integration

package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// realCluster connects to the API server of MIMIRCTL_TEST_KUBECONFIG and
// creates a namespace of its own for the test.
func realCluster(t *testing.T) (kubernetes.Interface, string) {
	t.Helper()
	path := os.Getenv("MIMIRCTL_TEST_KUBECONFIG")
	if path == "" {
		t.Fatal("MIMIRCTL_TEST_KUBECONFIG is not set: point it at a cluster (make integration starts the local one)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("plan-it-%d", time.Now().UnixNano()%1_000_000)
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	return cs, ns
}

func TestConfigMapStoreOnARealAPIServer(t *testing.T) {
	cs, ns := realCluster(t)
	storeContract(t, NewConfigMapStore(cs, ns, ""))
}

func TestLeaseLockOnARealAPIServer(t *testing.T) {
	cs, ns := realCluster(t)
	lockerContract(t, NewLeaseLocker(cs, ns, ""))

	t.Run("renewed while held, lost when force-unlocked", func(t *testing.T) {
		l := NewLeaseLocker(cs, ns, "renewal")
		l.Duration = 3 * time.Second
		held, err := l.Acquire(context.Background(), "first run")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second) // past one lease duration: renewal keeps it
		if _, err := l.Acquire(context.Background(), "second run"); !isLocked(err, "first run") {
			t.Fatalf("a renewed lease was taken: %v", err)
		}
		if err := l.ForceUnlock(context.Background(), held.ID()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-held.Lost():
		case <-time.After(10 * time.Second):
			t.Fatal("the first run did not notice it lost the lock")
		}
		second, err := l.Acquire(context.Background(), "second run")
		if err != nil {
			t.Fatal(err)
		}
		_ = second.Release(context.Background())
	})

	t.Run("a crashed holder's lease expires", func(t *testing.T) {
		l := NewLeaseLocker(cs, ns, "expiry")
		l.Duration = 2 * time.Second
		crashed, err := l.Acquire(context.Background(), "crashed run")
		if err != nil {
			t.Fatal(err)
		}
		abandon(crashed)
		time.Sleep(3 * time.Second)
		taken, err := l.Acquire(context.Background(), "new run")
		if err != nil {
			t.Fatalf("expired lease not taken over: %v", err)
		}
		_ = taken.Release(context.Background())
	})
}

func isLocked(err error, holder string) bool {
	var le *LockedError
	return errors.As(err, &le) && strings.Contains(le.Info.Holder, holder)
}

// TestARunPersistsInAConfigMap runs a plan against the real API server's
// ConfigMap store and Lease, cut by a crash, and resumes it.
func TestARunPersistsInAConfigMap(t *testing.T) {
	cs, ns := realCluster(t)
	world := newFakeWorld()
	newRunner := func() *Runner {
		return &Runner{Store: NewConfigMapStore(cs, ns, ""), Locker: NewLeaseLocker(cs, ns, ""), Binder: fakeBinder{w: world},
			Clock: newFakeClock(), Events: Discard, Holder: "it", Identity: ClusterIdentity{Server: "s", ClusterUID: "u", Namespace: ns}}
	}
	p := testPlan(step("a", withSet("x", "1")), step("b", withManual("approve me")), step("c", withSet("y", "1"), withWait(time.Hour)))
	var paused *PausedError
	if err := newRunner().Apply(context.Background(), p, ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("first run: %v", err)
	}
	if _, err := newRunner().Approve(context.Background(), "b", "alice", ""); err != nil {
		t.Fatal(err)
	}
	if err := newRunner().Resume(context.Background(), func(string, ParamValues) (*Plan, error) { return p, nil }, ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	st, _, err := NewConfigMapStore(cs, ns, "").Load(context.Background())
	if err != nil || st.Status != RunDone || world.applies["x"] != 1 || world.applies["y"] != 1 {
		t.Fatalf("state %+v err %v applies %v", st, err, world.applies)
	}
	info, err := NewLeaseLocker(cs, ns, "").Inspect(context.Background())
	if err != nil || info != nil {
		t.Errorf("lock left held: %+v %v", info, err)
	}
}
