package mimirapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

func captured(t *testing.T, version, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "mimir-"+version, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseBuildInfo(t *testing.T) {
	for version, want := range map[string]string{"2.9.0": "e4d286c69115", "3.0.5": "aced80d74930"} {
		bi, err := ParseBuildInfo(captured(t, version, "buildinfo.json"))
		if err != nil {
			t.Fatal(err)
		}
		if bi.Version != version || bi.Revision != want || bi.Application != "Grafana Mimir" || bi.Features["ruler_config_api"] != "true" {
			t.Errorf("%s: %+v", version, bi)
		}
	}
	for name, body := range map[string]string{
		"an error envelope is refused": `{"status":"error","data":{}}`,
		"a page without version":       `{"status":"success","data":{"application":"x"}}`,
		"not JSON":                     `404 page not found`,
	} {
		if _, err := ParseBuildInfo([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseMemberlist(t *testing.T) {
	tests := []struct {
		name, version string
		members       int
		keys          []string
	}{
		{"2.9.0 read-write cluster: four members, ring keys only (no Deleted field yet)", "2.9.0", 4,
			[]string{"alertmanagers/alertmanager", "collectors/compactor", "collectors/distributor", "collectors/overrides-exporter", "collectors/query-scheduler", "collectors/ring", "collectors/store-gateway", "rulers/ring"}},
		{"3.0.5 with the HA tracker on memberlist: ha-tracker keys per tenant and cluster", "3.0.5", 2,
			[]string{"alertmanagers/alertmanager", "collectors/compactor", "collectors/distributor", "collectors/overrides-exporter", "collectors/querier", "collectors/query-scheduler", "collectors/ring", "collectors/store-gateway", "ha-tracker/tenant-1/prom-ha", "ha-tracker/tenant-2/prom-ha", "rulers/ring"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseMemberlist(captured(t, tt.version, "memberlist.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Members) != tt.members || strings.Join(st.LiveKeys(), ",") != strings.Join(tt.keys, ",") {
				t.Errorf("members %d keys %v, want %d %v", len(st.Members), st.LiveKeys(), tt.members, tt.keys)
			}
			if st.Now.IsZero() || st.Members[0].Addr != "127.0.0.1" {
				t.Errorf("page time or member address not read: %+v", st)
			}
		})
	}
	if _, err := ParseMemberlist([]byte(mimir.NoMemberlistBody)); !errors.Is(err, ErrNoMemberlist) {
		t.Errorf("the no-memberlist text gives %v", err)
	}
	st, _ := ParseMemberlist([]byte(`{"SortedMembers":[],"Store":{"a":{"Deleted":true},"b":{}}}`))
	if strings.Join(st.LiveKeys(), ",") != "b" {
		t.Errorf("deleted keys must not be live: %v", st.LiveKeys())
	}
}

func TestParseHATrackerLayouts(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // tenant/cluster=replica
		electedAt  bool     // whether an election time is known
	}{
		{"2.9.0 (userID, electedAt as the last-seen time)", string(captured(t, "2.9.0", "ha_tracker-mimir-write-zone-a-0.json")),
			[]string{"tenant-1/prom-ha=replica-1", "tenant-2/prom-ha=replica-1"}, false},
		{"3.0.5 (lastElectionTime, electedLastSeenTime)", string(captured(t, "3.0.5", "ha_tracker-ingester-zone-a-0.json")),
			[]string{"tenant-1/prom-ha=replica-1", "tenant-2/prom-ha=replica-1"}, true},
		{"the electedPerUser layout with failoverTimeoutForUser", `{"elected":null,"electedPerUser":{"t2":[{"cluster":"c","replica":"r2","electedAt":"2026-11-23T14:00:00Z","failoverTimeoutForUser":30000000000}],"t1":[{"userID":"t1","cluster":"c","replica":"r1"}]},"now":"2026-11-23T14:00:01Z"}`,
			[]string{"t1/c=r1", "t2/c=r2"}, false},
		{"nothing elected", `{"elected":null,"now":"2026-11-23T14:00:01Z"}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseHATracker([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range st.Elected {
				got = append(got, e.Tenant+"/"+e.Cluster+"="+e.Replica)
				if e.ElectedAt.IsZero() == tt.electedAt {
					t.Errorf("%s: electedAt %v, want known=%v", e.Tenant, e.ElectedAt, tt.electedAt)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := ParseHATracker([]byte("<html>")); err == nil || !strings.Contains(err.Error(), "answered as JSON?") {
		t.Errorf("HTML accepted: %v", err)
	}
}

func TestConfigLookup(t *testing.T) {
	tests := []struct {
		name, version, file, key, want string
		found                          bool
	}{
		{"2.9.0 keeps HA tracker timeouts under distributor.ha_tracker", "2.9.0", "config.yaml", "distributor.ha_tracker.ha_tracker_failover_timeout", "2s", true},
		{"2.9.0 has no per-tenant HA tracker timeouts", "2.9.0", "config.yaml", "limits.ha_tracker_failover_timeout", "", false},
		{"3.0.5 moved them to the limits (2.17+)", "3.0.5", "config.yaml", "limits.ha_tracker_failover_timeout", "2s", true},
		{"3.0.5 defaults the HA tracker KV to memberlist", "3.0.5", "config.yaml", "distributor.ha_tracker.kvstore.store", "memberlist", true},
		{"2.9.0 HA tracker on etcd in the capture", "2.9.0", "config.yaml", "distributor.ha_tracker.kvstore.store", "etcd", true},
		{"the ingester ring's zone", "3.0.5", "config.yaml", "ingester.ring.instance_availability_zone", "zone-a", true},
		{"list items by index", "2.9.0", "config.yaml", "memberlist.join_members[0]", "", false},
		{"runtime config: multi_kv_config primary", "2.9.0", "runtime_config.yaml", "multi_kv_config.primary", "memberlist", true},
		{"runtime config: a mapping renders in flow style", "3.0.5", "runtime_config-multi.yaml", "multi_kv_config", "{primary: memberlist, mirror_enabled: true}", true},
		{"a missing key", "3.0.5", "config.yaml", "distributor.no_such_key", "", false},
		{"a key below a scalar", "3.0.5", "config.yaml", "distributor.ha_tracker.kvstore.store.deeper", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ParseDocument(captured(t, tt.version, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			n, found := doc.Lookup(tt.key)
			if found != tt.found || (found && Render(n) != tt.want) {
				t.Errorf("Lookup(%s) = %q, %v; want %q, %v", tt.key, Render(n), found, tt.want, tt.found)
			}
		})
	}
}
