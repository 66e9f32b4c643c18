package ringcheck

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

func target(t *testing.T, s *fakeRingServer) podaccess.Target {
	host, port, err := net.SplitHostPort(s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return podaccess.Target{Namespace: "mimir", Name: "distributor-0", IP: host, Port: n}
}

func TestForget(t *testing.T) {
	tests := []struct {
		name        string
		page        string
		id          string
		opts        ForgetOptions
		wantErr     string
		wantIs      error
		wantPosted  bool
		wantGone    bool
		wantBeforeS string
	}{
		{
			name: "forgets an UNHEALTHY member and confirms it is gone",
			page: "mimir-2.9.0/ring-ingester-unhealthy.json", id: "mimir-write-zone-b-0",
			wantPosted: true, wantGone: true, wantBeforeS: StateUnhealthy,
		},
		{
			name: "refuses a member that still heartbeats",
			page: "mimir-2.9.0/ring-ingester-active.json", id: "mimir-write-zone-a-0",
			wantErr: "still heartbeats (mimir-write-zone-a-0 (zone-a): ACTIVE, heartbeat",
		},
		{
			name: "forgets a heartbeating member when forced",
			page: "mimir-2.9.0/ring-ingester-active.json", id: "mimir-write-zone-a-0", opts: ForgetOptions{Force: true},
			wantPosted: true, wantGone: true, wantBeforeS: StateActive,
		},
		{
			name: "refuses an id that is not in the ring and lists the members",
			page: "mimir-2.9.0/ring-ingester-active.json", id: "mimir-write-zone-z-0", wantIs: ErrInstanceNotFound,
			wantErr: "members: mimir-write-zone-a-0, mimir-write-zone-b-0",
		},
		{
			name: "a LEAVING member whose heartbeat is older than the timeout may be forgotten",
			page: "mimir-3.0.5/ring-ingester-leaving.json", id: "ingester-zone-b-0", opts: ForgetOptions{HeartbeatTimeout: time.Nanosecond},
			wantPosted: true, wantGone: true, wantBeforeS: StateLeaving,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeRingServer(t, map[string]string{"/ingester/ring": tt.page})
			res, err := Forget(context.Background(), podaccess.NewDirect(nil), target(t, srv), "/ingester/ring", tt.id, tt.opts)
			if tt.wantErr != "" || tt.wantIs != nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
					t.Fatalf("err = %v, want one containing %q (is %v)", err, tt.wantErr, tt.wantIs)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if posted := len(srv.forgets) > 0; posted != tt.wantPosted {
				t.Fatalf("posted forget = %v (%v), want %v", posted, srv.forgets, tt.wantPosted)
			}
			if res.Gone != tt.wantGone || (tt.wantBeforeS != "" && res.Before.State != tt.wantBeforeS) {
				t.Fatalf("result %+v, want gone=%v before state %s", res, tt.wantGone, tt.wantBeforeS)
			}
		})
	}
}
