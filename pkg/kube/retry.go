package kube

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/avast/retry-go/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// RetryPolicy bounds the retries of one API call.
type RetryPolicy struct {
	Attempts uint
	Delay    time.Duration
	MaxDelay time.Duration
}

// DefaultRetry is used by every call in this package. Tests shorten it.
var DefaultRetry = RetryPolicy{Attempts: 5, Delay: 200 * time.Millisecond, MaxDelay: 5 * time.Second}

// withRetry runs call until it succeeds, fails with an error that is not
// transient, runs out of attempts, or ctx ends. It returns the last error.
func withRetry(ctx context.Context, call func() error) error {
	p := DefaultRetry
	return retry.Do(call,
		retry.Context(ctx),
		retry.Attempts(p.Attempts),
		retry.Delay(p.Delay),
		retry.MaxDelay(p.MaxDelay),
		retry.RetryIf(IsTransient),
		retry.LastErrorOnly(true),
	)
}

// IsTransient reports whether err is worth retrying as is: a timeout, a
// throttled or overloaded server (429, 5xx), a dropped connection, or an
// optimistic-concurrency conflict. Server-side apply field conflicts,
// admission refusals, validation errors and missing objects are not.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch {
	case apierrors.IsConflict(err):
		return !isFieldManagerConflict(err)
	case apierrors.IsServerTimeout(err), apierrors.IsTimeout(err), apierrors.IsTooManyRequests(err),
		apierrors.IsInternalError(err), apierrors.IsServiceUnavailable(err), apierrors.IsUnexpectedServerError(err):
		return true
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Code >= 500
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return utilnet.IsConnectionReset(err) || utilnet.IsConnectionRefused(err) || utilnet.IsProbableEOF(err)
}

// isFieldManagerConflict tells a server-side apply conflict (another field
// manager owns a field) from an optimistic-concurrency one.
func isFieldManagerConflict(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, c := range status.Status().Details.Causes {
		if c.Type == metav1.CauseTypeFieldManagerConflict {
			return true
		}
	}
	return false
}
