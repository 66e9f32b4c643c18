// Package ringcheck reads Mimir's hash-ring pages as JSON and judges
// expectations about their members: who is present or absent, in which
// state, how healthy, how many per zone. It also renders a ring for
// `mimirctl ring NAME` and removes an instance on explicit request (Forget);
// gates never forget anything.
//
// Ring pages are served by dskit (ring/http.go in 2.x, ring/ring_http.go in
// 3.x) and answer JSON when the Accept header contains application/json. The
// 3.x page adds read_only, read_only_updated_timestamp and (omitempty)
// versions; both show the state "UNHEALTHY" instead of the real state when a
// member's heartbeat is older than the serving process's heartbeat timeout.
// Components that do not hold a ring answer 404.
package ringcheck

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// Member states as ring pages show them.
const (
	StateActive    = "ACTIVE"
	StateLeaving   = "LEAVING"
	StatePending   = "PENDING"
	StateJoining   = "JOINING"
	StateLeft      = "LEFT"
	StateUnhealthy = "UNHEALTHY"
)

// States lists every state a ring page can show.
var States = []string{StateActive, StateLeaving, StatePending, StateJoining, StateLeft, StateUnhealthy}

// Instance is one ring member without its tokens (only their number is kept).
type Instance struct {
	ID         string    `json:"id"`
	State      string    `json:"state"`
	Address    string    `json:"address"`
	Zone       string    `json:"zone,omitempty"`
	Heartbeat  time.Time `json:"heartbeat"`
	Registered time.Time `json:"registered,omitzero"`
	// ReadOnly is set by /ingester/prepare-instance-ring-downscale (3.x
	// pages; always false on 2.x pages, which have no such field).
	ReadOnly      bool      `json:"readOnly,omitempty"`
	ReadOnlySince time.Time `json:"readOnlySince,omitzero"`
	Tokens        int       `json:"tokens"`
}

// HeartbeatAge is how long before now the member last heartbeated; zero
// when it never did.
func (i Instance) HeartbeatAge(now time.Time) time.Duration {
	if !i.heartbeated() {
		return 0
	}
	return now.Sub(i.Heartbeat)
}

// heartbeated reports whether the page shows a heartbeat at all (a member
// that never heartbeated shows the Unix epoch).
func (i Instance) heartbeated() bool { return i.Heartbeat.Unix() > 0 }

// Healthy reports whether the page did not mark the member UNHEALTHY and, when
// timeout is positive, its heartbeat is at most timeout old.
func (i Instance) Healthy(now time.Time, timeout time.Duration) bool {
	if i.State == StateUnhealthy || !i.heartbeated() {
		return false
	}
	return timeout <= 0 || i.HeartbeatAge(now) <= timeout
}

// Describe renders the member for a failure detail, e.g.
// "ingester-zone-b-0 (zone-b): LEAVING, heartbeat 42s ago, read-only".
func (i Instance) Describe(now time.Time) string {
	var b strings.Builder
	b.WriteString(i.ID)
	if i.Zone != "" {
		fmt.Fprintf(&b, " (%s)", i.Zone)
	}
	if i.heartbeated() {
		fmt.Fprintf(&b, ": %s, heartbeat %s ago", i.State, formatAge(i.HeartbeatAge(now)))
	} else {
		fmt.Fprintf(&b, ": %s, never heartbeated", i.State)
	}
	if i.ReadOnly {
		b.WriteString(", read-only")
	}
	return b.String()
}

func formatAge(d time.Duration) string {
	if d < 0 {
		return "0s"
	}
	return d.Truncate(time.Second).String()
}

// Ring is one ring page.
type Ring struct {
	// Name is the ring name (e.g. "ingester") when known.
	Name string `json:"name,omitempty"`
	// Now is the serving process's clock when it rendered the page.
	Now       time.Time  `json:"now"`
	Instances []Instance `json:"instances"`
}

// Zones returns the zone names present, sorted ("" for members without one).
func (r *Ring) Zones() []string {
	seen := map[string]bool{}
	for _, in := range r.Instances {
		seen[in.Zone] = true
	}
	out := make([]string, 0, len(seen))
	for z := range seen {
		out = append(out, z)
	}
	sort.Strings(out)
	return out
}

// PathFor returns the page of a ring name (mimir.RingPaths), or name itself
// when it is a page's path (it starts with "/", e.g. "/ingester/ring"), or
// an error listing the names.
func PathFor(name string) (string, error) {
	if p, ok := mimir.RingPaths[name]; ok {
		return p, nil
	}
	if strings.HasPrefix(name, "/") {
		return name, nil
	}
	return "", fmt.Errorf("unknown ring %q (known: %s; or give its path)", name, strings.Join(mimir.RingNames(), ", "))
}
