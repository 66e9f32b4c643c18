package plan_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"

	"k8s.io/client-go/kubernetes/fake"
)

// lockerContract checks behaviour every Locker must have.
func lockerContract(t *testing.T, l plan.Locker) {
	ctx := context.Background()
	first, err := l.Acquire(ctx, "alice")
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	_, err = l.Acquire(ctx, "bob")
	var le *plan.LockedError
	if !errors.As(err, &le) || le.Info.Holder != "alice" || le.Info.ID != first.ID() {
		t.Fatalf("second acquire: %v", err)
	}
	if !strings.Contains(err.Error(), "--force-unlock "+first.ID()) {
		t.Errorf("message does not say how to take over: %v", err)
	}
	info, err := l.Inspect(ctx)
	if err != nil || info == nil || info.Holder != "alice" {
		t.Errorf("inspect: %+v %v", info, err)
	}
	if err := first.Release(ctx); err != nil {
		t.Fatalf("release: %v", err)
	}
	second, err := l.Acquire(ctx, "bob")
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	if err := second.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestFileLocker(t *testing.T) {
	lockerContract(t, plan.NewFileLocker(filepath.Join(t.TempDir(), "state.json")))
}

func TestLeaseLocker(t *testing.T) {
	lockerContract(t, plan.NewLeaseLocker(fake.NewClientset(), "mimir", ""))
}

func TestAnExpiredLeaseIsTakenOver(t *testing.T) {
	cs := fake.NewClientset()
	now := time.Unix(1000, 0)
	l := plan.NewLeaseLocker(cs, "mimir", "")
	l.Now = func() time.Time { return now }
	crashed, err := l.Acquire(context.Background(), "crashed run")
	if err != nil {
		t.Fatal(err)
	}
	// The crashed run stops renewing; its renewer is stopped without
	// clearing the lease, as a killed process would leave it.
	plan.Abandon(crashed)
	now = now.Add(plan.DefaultLeaseDuration - time.Second)
	if _, err := l.Acquire(context.Background(), "new run"); err == nil {
		t.Fatal("took over a lease before it expired")
	}
	now = now.Add(2 * time.Second)
	taken, err := l.Acquire(context.Background(), "new run")
	if err != nil {
		t.Fatalf("take over expired lease: %v", err)
	}
	info, _ := l.Inspect(context.Background())
	if info == nil || info.Holder != "new run" || info.ID != taken.ID() {
		t.Errorf("holder = %+v", info)
	}
}

func TestForceUnlockNeedsTheRightID(t *testing.T) {
	l := plan.NewLeaseLocker(fake.NewClientset(), "mimir", "")
	held, err := l.Acquire(context.Background(), "stuck run")
	if err != nil {
		t.Fatal(err)
	}
	plan.Abandon(held)
	if err := l.ForceUnlock(context.Background(), "wrong"); err == nil || !strings.Contains(err.Error(), "held under lock ID "+held.ID()) {
		t.Fatalf("wrong id: %v", err)
	}
	if err := l.ForceUnlock(context.Background(), held.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(context.Background(), "new"); err != nil {
		t.Fatalf("acquire after force-unlock: %v", err)
	}
}

func TestALeaseTakenAwayIsReportedLost(t *testing.T) {
	l := plan.NewLeaseLocker(fake.NewClientset(), "mimir", "")
	l.Duration = 300 * time.Millisecond
	held, err := l.Acquire(context.Background(), "run")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ForceUnlock(context.Background(), held.ID()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("lock not reported lost after a force-unlock")
	}
	if err := held.Release(context.Background()); err != nil {
		t.Errorf("release of a lost lock: %v", err)
	}
}

func TestAHeldLeaseIsRenewed(t *testing.T) {
	cs := fake.NewClientset()
	l := plan.NewLeaseLocker(cs, "mimir", "")
	l.Duration = time.Second
	held, err := l.Acquire(context.Background(), "run")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(context.Background())
	first, _ := l.Inspect(context.Background())
	if first == nil {
		t.Fatal("no lease after Acquire")
	}
	// The renewer runs every third of the duration; on a loaded machine a
	// renewal may come late, so wait for one instead of sleeping a fixed time.
	var later *plan.LockInfo
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if later, _ = l.Inspect(context.Background()); later != nil && later.Renewed.After(first.Renewed) {
			break
		}
	}
	if later == nil || !later.Renewed.After(first.Renewed) {
		t.Fatalf("not renewed within 5s: %+v then %+v", first, later)
	}
	select {
	case <-held.Lost():
		t.Fatal("a renewed lock reported lost")
	default:
	}
}
