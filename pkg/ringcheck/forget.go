package ringcheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// ErrInstanceNotFound means the instance to forget is not in the ring.
var ErrInstanceNotFound = errors.New("instance not in the ring")

// ForgetOptions guard Forget.
type ForgetOptions struct {
	// Force forgets a member that still heartbeats. Such a member registers
	// again on its next heartbeat unless it is shutting down, so forgetting it
	// is refused by default.
	Force bool
	// HeartbeatTimeout decides whether the member still heartbeats
	// (default 1m).
	HeartbeatTimeout time.Duration
	// Now is the clock for heartbeat ages when the page has no time of its own.
	Now time.Time
}

// ForgetResult is what Forget saw and did.
type ForgetResult struct {
	// Before is the member as the page showed it before the request.
	Before Instance
	// Gone reports that the page read after the request no longer lists the
	// member (or lists it as LEFT).
	Gone bool
}

// Forget removes instanceID from the ring served at path on pod t, as the
// "Forget" button of the ring page does (POST forget=<id>). It is an explicit
// operator action: no gate calls it, and callers confirm with the operator
// first. It refuses an unknown id and, unless forced, a member that still
// heartbeats.
func Forget(ctx context.Context, d podaccess.Doer, t podaccess.Target, path, instanceID string, opts ForgetOptions) (ForgetResult, error) {
	before, err := Fetch(ctx, d, t, path)
	if err != nil {
		return ForgetResult{}, err
	}
	in, ok := find(before, instanceID)
	if !ok {
		return ForgetResult{}, fmt.Errorf("forget %s in ring %s: %w (members: %s)", instanceID, path, ErrInstanceNotFound, memberIDs(before))
	}
	now := before.Now
	if now.IsZero() {
		now = opts.Now
	}
	hb := opts.HeartbeatTimeout
	if hb <= 0 {
		hb = DefaultHeartbeatTimeout
	}
	if !opts.Force && in.Healthy(now, hb) {
		return ForgetResult{Before: in}, fmt.Errorf("refuse to forget %s: it still heartbeats (%s) and would register again; stop it first, or force", instanceID, in.Describe(now))
	}
	if err := postForget(ctx, d, t, path, instanceID); err != nil {
		return ForgetResult{Before: in}, err
	}
	after, err := Fetch(ctx, d, t, path)
	if err != nil {
		return ForgetResult{Before: in}, fmt.Errorf("forgot %s, but could not read the ring again to confirm: %w", instanceID, err)
	}
	left, still := find(after, instanceID)
	return ForgetResult{Before: in, Gone: !still || left.State == StateLeft}, nil
}

func postForget(ctx context.Context, d podaccess.Doer, t podaccess.Target, path, id string) error {
	form := url.Values{"forget": {id}}.Encode()
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	resp, err := d.Do(ctx, t, http.MethodPost, path, hdr, strings.NewReader(form))
	if err != nil {
		return fmt.Errorf("forget %s in ring %s on pod %s: %w", id, path, t, err)
	}
	defer func() { _ = resp.Body.Close() }()
	// The page answers 302 to "#"; a client that follows it ends on 200.
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("forget %s in ring %s on pod %s: status %d: %s", id, path, t, resp.StatusCode, bodyExcerpt(resp.Body))
	}
	return nil
}

func find(r *Ring, id string) (Instance, bool) {
	for _, in := range r.Instances {
		if in.ID == id {
			return in, true
		}
	}
	return Instance{}, false
}

func memberIDs(r *Ring) string {
	ids := make([]string, 0, len(r.Instances))
	for _, in := range r.Instances {
		ids = append(ids, in.ID)
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
