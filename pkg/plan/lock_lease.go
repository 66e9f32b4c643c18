package plan

import (
	"context"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/invocation"
)

// holderAnnotation carries the human description of a Lease's holder; the
// Lease's holderIdentity is the lock ID.
const holderAnnotation = "mimirctl.dev/holder"

// DefaultLeaseDuration is how long a lease lasts without renewal.
const DefaultLeaseDuration = 60 * time.Second

// LeaseLocker locks with a coordination.k8s.io Lease renewed while held.
type LeaseLocker struct {
	client    kubernetes.Interface
	namespace string
	name      string
	// Duration is the lease duration; it is renewed every third of it.
	Duration time.Duration
	// Now is the clock (time.Now when nil). It is the wall clock, not the
	// run's: the lease's acquire and renew times are read by other mimirctl
	// processes and the API server. Tests pass a fake.
	Now func() time.Time
}

var _ Locker = (*LeaseLocker)(nil)

// NewLeaseLocker returns a locker on Lease namespace/name.
func NewLeaseLocker(client kubernetes.Interface, namespace, name string) *LeaseLocker {
	if name == "" {
		name = DefaultLockLease
	}
	return &LeaseLocker{client: client, namespace: namespace, name: name, Duration: DefaultLeaseDuration, Now: time.Now}
}

// Describe names the Lease.
func (l *LeaseLocker) Describe() string { return fmt.Sprintf("Lease %s/%s", l.namespace, l.name) }

func (l *LeaseLocker) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// leaseSeconds rounds a duration up to the Lease's whole seconds.
func leaseSeconds(d time.Duration) int32 {
	return int32(max(1, (d+time.Second-1)/time.Second))
}

func infoOf(lease *coordinationv1.Lease) *LockInfo {
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		return nil
	}
	info := &LockInfo{ID: *lease.Spec.HolderIdentity, Holder: lease.Annotations[holderAnnotation]}
	if lease.Spec.AcquireTime != nil {
		info.Acquired = lease.Spec.AcquireTime.Time
	}
	if lease.Spec.RenewTime != nil {
		info.Renewed = lease.Spec.RenewTime.Time
	}
	if lease.Spec.LeaseDurationSeconds != nil {
		info.Expires = info.Renewed.Add(time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second)
	}
	return info
}

// Inspect returns the current holder.
func (l *LeaseLocker) Inspect(ctx context.Context) (*LockInfo, error) {
	lease, err := l.client.CoordinationV1().Leases(l.namespace).Get(ctx, l.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", l.Describe(), err)
	}
	info := infoOf(lease)
	if info != nil && !info.Expires.After(l.now()) {
		return nil, nil
	}
	return info, nil
}

// Acquire takes the lease.
func (l *LeaseLocker) Acquire(ctx context.Context, holder string) (Lock, error) {
	id := newLockID()
	now := metav1.NewMicroTime(l.now())
	spec := coordinationv1.LeaseSpec{HolderIdentity: ptr.To(id), LeaseDurationSeconds: ptr.To(leaseSeconds(l.Duration)),
		AcquireTime: &now, RenewTime: &now}
	leases := l.client.CoordinationV1().Leases(l.namespace)
	cur, err := leases.Get(ctx, l.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: l.name, Namespace: l.namespace,
			Labels: map[string]string{managedByLabel: managedByValue}, Annotations: map[string]string{holderAnnotation: holder}}, Spec: spec}
		if _, err := leases.Create(ctx, lease, metav1.CreateOptions{}); err != nil {
			return nil, l.raceOrErr(ctx, err)
		}
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", l.Describe(), err)
	default:
		if info := infoOf(cur); info != nil && info.Expires.After(l.now()) {
			return nil, &LockedError{Where: l.Describe(), Info: *info}
		}
		cur.Spec = spec
		cur.Spec.LeaseTransitions = ptr.To(ptr.Deref(cur.Spec.LeaseTransitions, 0) + 1)
		if cur.Annotations == nil {
			cur.Annotations = map[string]string{}
		}
		cur.Annotations[holderAnnotation] = holder
		if _, err := leases.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			return nil, l.raceOrErr(ctx, err)
		}
	}
	held := &leaseLock{locker: l, id: id, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go held.renew()
	return held, nil
}

// raceOrErr turns a lost create/update race into a LockedError naming the winner.
func (l *LeaseLocker) raceOrErr(ctx context.Context, err error) error {
	if apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err) {
		if info, ierr := l.Inspect(ctx); ierr == nil && info != nil {
			return &LockedError{Where: l.Describe(), Info: *info}
		}
	}
	return fmt.Errorf("take %s: %w", l.Describe(), err)
}

// ForceUnlock clears the lease if it is held under id.
func (l *LeaseLocker) ForceUnlock(ctx context.Context, id string) error {
	return l.clear(ctx, id, true)
}

// clear frees the lease held under id. When strict, a lease held under
// another ID is an error; otherwise it is left alone (a released lock that
// was lost and taken over is not ours to clear).
func (l *LeaseLocker) clear(ctx context.Context, id string, strict bool) error {
	// The holder may be renewing at the same moment: retry on conflicts,
	// re-reading who holds the lease each time.
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		leases := l.client.CoordinationV1().Leases(l.namespace)
		cur, err := leases.Get(ctx, l.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", l.Describe(), err)
		}
		info := infoOf(cur)
		if info == nil {
			return nil
		}
		if info.ID != id {
			if !strict {
				return nil
			}
			return fmt.Errorf("%s is held under lock ID %s by %s, not %s: check the ID with `%s`", l.Describe(), info.ID, info.Holder, id, invocation.Command("status"))
		}
		cur.Spec.HolderIdentity = nil
		cur.Spec.RenewTime = nil
		_, err = leases.Update(ctx, cur, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsConflict(err) {
			return fmt.Errorf("clear %s: %w", l.Describe(), err)
		}
		return err
	})
}

type leaseLock struct {
	locker   *LeaseLocker
	id       string
	lost     chan struct{}
	lostOnce sync.Once
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

func (h *leaseLock) ID() string            { return h.id }
func (h *leaseLock) Lost() <-chan struct{} { return h.lost }

// renew extends the lease every third of its duration; when a renewal has
// not succeeded before the lease would expire, the lock is lost. Its ticker
// is real time on purpose: the lease expires in real time for the others.
func (h *leaseLock) renew() {
	defer close(h.done)
	period := h.locker.Duration / 3
	t := time.NewTicker(period)
	defer t.Stop()
	lastOK := h.locker.now()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), period)
		err := h.renewOnce(ctx)
		cancel()
		if err == nil {
			lastOK = h.locker.now()
			continue
		}
		if _, taken := err.(*LockedError); taken || h.locker.now().Sub(lastOK) >= h.locker.Duration-period {
			h.lostOnce.Do(func() { close(h.lost) })
			return
		}
	}
}

func (h *leaseLock) renewOnce(ctx context.Context) error {
	leases := h.locker.client.CoordinationV1().Leases(h.locker.namespace)
	cur, err := leases.Get(ctx, h.locker.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if info := infoOf(cur); info == nil || info.ID != h.id {
		if info == nil {
			info = &LockInfo{Holder: "nobody (force-unlocked)"}
		}
		return &LockedError{Where: h.locker.Describe(), Info: *info}
	}
	now := metav1.NewMicroTime(h.locker.now())
	cur.Spec.RenewTime = &now
	_, err = leases.Update(ctx, cur, metav1.UpdateOptions{})
	return err
}

// Release stops renewal and frees the lease if it is still ours.
func (h *leaseLock) Release(ctx context.Context) error {
	h.stopOnce.Do(func() { close(h.stop) })
	<-h.done
	return h.locker.clear(ctx, h.id, false)
}
