package mimirapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// ErrNoMemberlist means the pod answered NoMemberlistBody.
var ErrNoMemberlist = errors.New("instance does not use memberlist")

// MemberlistStatus is what /memberlist says, with Accept: application/json.
// Field names there are Go's (SortedMembers, Store, ...).
type MemberlistStatus struct {
	Now     time.Time
	Members []MemberlistMember
	// Keys maps KV keys (e.g. "collectors/ring", "ha-tracker/tenant-1/prom-ha")
	// to their entry.
	Keys map[string]MemberlistKey
}

// MemberlistMember is a node of the gossip cluster. Mimir appends a random
// suffix to the configured node name (-memberlist.randomize-node-name).
type MemberlistMember struct {
	Name  string `json:"Name"`
	Addr  string `json:"Addr"`
	Port  int    `json:"Port"`
	State int    `json:"State"`
}

// Member states as /memberlist reports them (hashicorp/memberlist
// NodeStateType: alive, suspect, dead, left). Mimir's page lists what
// Memberlist.Members returns: alive and suspect members.
const (
	MemberAlive = iota
	MemberSuspect
	MemberDead
	MemberLeft
)

// StateName is the member's state in words ("alive", "suspect", "dead",
// "left"), or "state N" for a value memberlist does not define.
func (m MemberlistMember) StateName() string {
	switch m.State {
	case MemberAlive:
		return "alive"
	case MemberSuspect:
		return "suspect"
	case MemberDead:
		return "dead"
	case MemberLeft:
		return "left"
	}
	return fmt.Sprintf("state %d", m.State)
}

// MemberlistKey is one KV entry. Deleted (3.x) marks a tombstone.
type MemberlistKey struct {
	Version int    `json:"Version"`
	CodecID string `json:"CodecID"`
	Deleted bool   `json:"Deleted"`
}

// ParseMemberlist reads the JSON page.
func ParseMemberlist(b []byte) (MemberlistStatus, error) {
	if strings.TrimSpace(string(b)) == mimir.NoMemberlistBody {
		return MemberlistStatus{}, ErrNoMemberlist
	}
	var page struct {
		Now           time.Time
		SortedMembers []MemberlistMember
		Store         map[string]MemberlistKey
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return MemberlistStatus{}, fmt.Errorf("read memberlist page: %w", err)
	}
	return MemberlistStatus{Now: page.Now, Members: page.SortedMembers, Keys: page.Store}, nil
}

// FetchMemberlist asks pod t for its memberlist status.
func FetchMemberlist(ctx context.Context, d podaccess.Doer, t podaccess.Target) (MemberlistStatus, error) {
	b, err := get(ctx, d, t, mimir.PathMemberlist, mimir.AcceptJSON)
	if err != nil {
		return MemberlistStatus{}, err
	}
	st, err := ParseMemberlist(b)
	if err != nil {
		return MemberlistStatus{}, fmt.Errorf("pod %s: %w", t, err)
	}
	return st, nil
}

// LiveKeys lists the keys that are not tombstones, sorted.
func (s MemberlistStatus) LiveKeys() []string {
	out := make([]string, 0, len(s.Keys))
	for k, v := range s.Keys {
		if !v.Deleted {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
