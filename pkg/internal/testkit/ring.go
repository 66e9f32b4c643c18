package testkit

import (
	"encoding/json"
	"time"
)

// RingMember is one instance of a hash ring as Mimir's ring pages
// (/ingester/ring and the other <component>/ring pages, asked for JSON)
// list it under "shards", with the fields of dskit's ring/http.go.
type RingMember struct {
	ID string `json:"id"`
	// State is ACTIVE, JOINING, LEAVING or PENDING; RingPage writes
	// ACTIVE when it is empty.
	State string `json:"state"`
	// Address is host:port of the instance's gRPC server; RingPage writes
	// 10.0.0.1:9095 when it is empty.
	Address string `json:"address"`
	// Heartbeat is the last heartbeat ("timestamp"); RingPage writes the
	// page's time when it is zero.
	Heartbeat  time.Time `json:"timestamp"`
	Registered time.Time `json:"registered_timestamp"`
	// ReadOnly and ReadOnlySince are Mimir 2.14+'s read-only mode
	// (prepare-instance-ring-downscale).
	ReadOnly      bool      `json:"read_only"`
	ReadOnlySince time.Time `json:"read_only_updated_timestamp"`
	Zone          string    `json:"zone"`
	Tokens        []uint32  `json:"tokens"`
}

// RingPage is the JSON of a ring page at now with members, in order:
// {"shards": [...], "now": ...}, times in RFC 3339. A page without members
// lists none ("shards": []).
func RingPage(now time.Time, members ...RingMember) []byte {
	shards := make([]RingMember, 0, len(members))
	for _, m := range members {
		if m.State == "" {
			m.State = "ACTIVE"
		}
		if m.Address == "" {
			m.Address = "10.0.0.1:9095"
		}
		if m.Heartbeat.IsZero() {
			m.Heartbeat = now
		}
		if m.Tokens == nil {
			m.Tokens = []uint32{}
		}
		shards = append(shards, m)
	}
	b, err := json.Marshal(struct {
		Shards []RingMember `json:"shards"`
		Now    time.Time    `json:"now"`
	}{shards, now})
	if err != nil { // strings, times and numbers always marshal
		panic(err)
	}
	return b
}
