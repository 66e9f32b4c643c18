//go:build integration

package plan_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"

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
	storeContract(t, plan.NewConfigMapStore(cs, ns, ""))
}

func TestLeaseLockOnARealAPIServer(t *testing.T) {
	cs, ns := realCluster(t)
	lockerContract(t, plan.NewLeaseLocker(cs, ns, ""))

	t.Run("renewed while held, lost when force-unlocked", func(t *testing.T) {
		l := plan.NewLeaseLocker(cs, ns, "renewal")
		// 9 s: a renewal every 3 s, each given 3 s, and the lock lost after
		// 6 s without one. With 3 s (1 s each), two slow answers in a row
		// from the API server of a loaded CI machine lose the lock.
		l.Duration = 9 * time.Second
		held, err := l.Acquire(context.Background(), "first run")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second) // past one lease duration: renewal keeps it
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
		l := plan.NewLeaseLocker(cs, ns, "expiry")
		l.Duration = 2 * time.Second
		crashed, err := l.Acquire(context.Background(), "crashed run")
		if err != nil {
			t.Fatal(err)
		}
		plan.Abandon(crashed)
		time.Sleep(3 * time.Second)
		taken, err := l.Acquire(context.Background(), "new run")
		if err != nil {
			t.Fatalf("expired lease not taken over: %v", err)
		}
		_ = taken.Release(context.Background())
	})
}

func isLocked(err error, holder string) bool {
	var le *plan.LockedError
	return errors.As(err, &le) && strings.Contains(le.Info.Holder, holder)
}

// TestARunPersistsInAConfigMap runs a plan against the real API server's
// ConfigMap store and Lease, cut by a crash, and resumes it.
func TestARunPersistsInAConfigMap(t *testing.T) {
	cs, ns := realCluster(t)
	world := plantest.NewWorld()
	newRunner := func() *plan.Runner {
		return &plan.Runner{Store: plan.NewConfigMapStore(cs, ns, ""), Locker: plan.NewLeaseLocker(cs, ns, ""), Binder: plantest.Binder{World: world},
			Clock: newFakeClock(), Events: plan.Discard, Holder: "it", Identity: plan.ClusterIdentity{Server: "s", ClusterUID: "u", Namespace: ns}}
	}
	p := testPlan(step("a", withSet("x", "1")), step("b", withManual("approve me")), step("c", withSet("y", "1"), withWait(time.Hour)))
	var paused *plan.PausedError
	if err := newRunner().Apply(context.Background(), p, plan.ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("first run: %v", err)
	}
	if _, err := newRunner().Approve(context.Background(), "b", "alice", ""); err != nil {
		t.Fatal(err)
	}
	if err := newRunner().Resume(context.Background(), func(string, plan.ParamValues) (*plan.Plan, error) { return p, nil }, plan.ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	st, _, err := plan.NewConfigMapStore(cs, ns, "").Load(context.Background())
	if err != nil || st.Status != plan.RunDone || world.Applies["x"] != 1 || world.Applies["y"] != 1 {
		t.Fatalf("state %+v err %v applies %v", st, err, world.Applies)
	}
	info, err := plan.NewLeaseLocker(cs, ns, "").Inspect(context.Background())
	if err != nil || info != nil {
		t.Errorf("lock left held: %+v %v", info, err)
	}
}
