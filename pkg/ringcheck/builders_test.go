package ringcheck

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// captured opens a ring page captured from real Mimir (see testdata/README.md).
func captured(t testing.TB, version, file string) *Ring {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "mimir-"+version, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Decode(f)
	if err != nil {
		t.Fatalf("decode %s/%s: %v", version, file, err)
	}
	return r
}

var fixedNow = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

// ring builds a synthetic ring page at fixedNow.
func ring(members ...Instance) *Ring { return &Ring{Now: fixedNow, Instances: members} }

type instanceOpt func(*Instance)

// member builds an ACTIVE, healthy member with 128 tokens.
func member(id, zone string, opts ...instanceOpt) Instance {
	in := Instance{ID: id, State: StateActive, Zone: zone, Address: "10.0.0.1:9095",
		Heartbeat: fixedNow.Add(-5 * time.Second), Registered: fixedNow.Add(-time.Hour), Tokens: 128}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func withState(s string) instanceOpt { return func(in *Instance) { in.State = s } }

func withHeartbeatAge(d time.Duration) instanceOpt {
	return func(in *Instance) { in.Heartbeat = fixedNow.Add(-d) }
}

func readOnly() instanceOpt {
	return func(in *Instance) { in.ReadOnly, in.ReadOnlySince = true, fixedNow.Add(-time.Minute) }
}

func intp(n int) *int { return &n }

func boolp(b bool) *bool { return &b }
