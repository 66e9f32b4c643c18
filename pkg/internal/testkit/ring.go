package testkit

import (
	"encoding/json"
	"time"
)

// RingMember is one instance of a hash ring as Mimir's ring pages
// (/ingester/ring and the other <component>/ring pages, asked for JSON)
// list it under "shards".
type RingMember struct {
	ID string
	// State is the member's state as the page shows it: ACTIVE, LEAVING,
	// PENDING, JOINING, LEFT or UNHEALTHY; RingPage writes ACTIVE when it
	// is empty.
	State string
	// Address is host:port of the instance's gRPC server; RingPage writes
	// 10.0.0.1:9095 when it is empty.
	Address string
	Zone    string
	// Heartbeat is the member's last heartbeat (the page's "timestamp");
	// RingPage writes the page's time when it is zero.
	Heartbeat time.Time
	// Registered is when the member joined (the page's
	// "registered_timestamp").
	Registered time.Time
	// ReadOnly and ReadOnlySince are Mimir 2.14+'s read-only mode
	// (prepare-instance-ring-downscale): "read_only" and
	// "read_only_updated_timestamp".
	ReadOnly      bool
	ReadOnlySince time.Time
	// Tokens is how many tokens the page lists for the member (the values
	// are 1..Tokens).
	Tokens int
}

// shard is a member as dskit's ring page writes it (ring/http.go in Mimir
// 2.x, ring/ring_http.go in 3.x).
type shard struct {
	ID            string    `json:"id"`
	State         string    `json:"state"`
	Address       string    `json:"address"`
	Heartbeat     time.Time `json:"timestamp"`
	Registered    time.Time `json:"registered_timestamp"`
	ReadOnly      bool      `json:"read_only"`
	ReadOnlySince time.Time `json:"read_only_updated_timestamp"`
	Zone          string    `json:"zone"`
	Tokens        []uint32  `json:"tokens"`
}

// RingPage is the JSON of a ring page at now with members, in order:
// {"shards": [...], "now": ...}, times in RFC 3339. A page without members
// lists none ("shards": []).
func RingPage(now time.Time, members ...RingMember) []byte {
	shards := make([]shard, 0, len(members))
	for _, m := range members {
		s := shard{ID: m.ID, State: m.State, Address: m.Address, Heartbeat: m.Heartbeat, Registered: m.Registered,
			ReadOnly: m.ReadOnly, ReadOnlySince: m.ReadOnlySince, Zone: m.Zone, Tokens: make([]uint32, m.Tokens)}
		if s.State == "" {
			s.State = "ACTIVE"
		}
		if s.Address == "" {
			s.Address = "10.0.0.1:9095"
		}
		if s.Heartbeat.IsZero() {
			s.Heartbeat = now
		}
		for i := range s.Tokens {
			s.Tokens[i] = uint32(i + 1)
		}
		shards = append(shards, s)
	}
	b, err := json.Marshal(struct {
		Shards []shard   `json:"shards"`
		Now    time.Time `json:"now"`
	}{shards, now})
	if err != nil { // strings, times and numbers always marshal
		panic(err)
	}
	return b
}
