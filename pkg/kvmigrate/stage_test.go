package kvmigrate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimirapi"
)

// The stages of Mimir's "Migrate from Consul to memberlist" produce the
// runtime documents its jsonnet renders for steps 1 to 4 (memberlist.libsonnet
// multi_kv_config) and none after the cleanup.
func TestStageRuntimeConfig(t *testing.T) {
	doc := func(primary string, mirror bool) map[string]any {
		return map[string]any{"multi_kv_config": map[string]any{"primary": primary, "mirror_enabled": mirror}}
	}
	for name, want := range map[StageName]map[string]any{
		StageSecondary: doc("consul", false),
		StageMirror:    doc("consul", true),
		StageSwitch:    doc("memberlist", true),
		StagePrimary:   doc("memberlist", false),
		StageRemoved:   {"multi_kv_config": nil},
	} {
		s := Stage{Name: name, From: Consul, To: Memberlist}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := s.RuntimeConfig(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if got := (Stage{Name: StageSwitch, From: Etcd, To: Memberlist}).String(); got != "stage switch from etcd to memberlist (memberlist primary, etcd secondary, mirroring on)" {
		t.Errorf("String() = %s", got)
	}
}

func TestStageValidateNamesTheField(t *testing.T) {
	for s, want := range map[Stage]string{
		{Name: "mirrored", From: Consul, To: Memberlist}:       `stage: "mirrored" is not one of secondary, mirror, switch, primary, removed`,
		{Name: StageMirror, From: "zookeeper", To: Memberlist}: `from: "zookeeper" is not consul, etcd or memberlist`,
		{Name: StageMirror, From: Consul, To: Multi}:           `to: "multi" is not consul, etcd or memberlist`,
		{Name: StageMirror, From: Consul, To: Consul}:          `to: "consul" is also from`,
	} {
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want %q", s, err, want)
		}
	}
}

func parseDoc(t *testing.T, src string) mimirapi.Document {
	t.Helper()
	d, err := mimirapi.ParseDocument([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// multiConfig is a /config excerpt as Mimir's jsonnet renders it at step 1:
// the ingester and distributor rings on the multi store, the compactor's
// ring (not a client on this pod) on memberlist, the HA tracker on multi
// by its own flags.
const multiConfig = `
distributor:
    ha_tracker:
        kvstore:
            store: multi
            multi: {primary: etcd, secondary: memberlist, mirror_enabled: true, mirror_timeout: 2s}
    ring:
        kvstore:
            store: multi
            multi: {primary: consul, secondary: memberlist, mirror_enabled: false}
ingester:
    ring:
        kvstore:
            store: multi
            multi: {primary: consul, secondary: memberlist, mirror_enabled: false}
compactor:
    sharding_ring:
        kvstore:
            store: memberlist
            multi: {primary: "", secondary: "", mirror_enabled: false}
`

func TestClientsApplyTheRuntimeOverrideToRingsOnly(t *testing.T) {
	tests := []struct {
		name, runtime string
		ring          MultiKV
	}{
		{"no runtime configuration: the flags", "", MultiKV{Primary: Consul, Secondary: Memberlist}},
		{"mirroring on", "multi_kv_config: {mirror_enabled: true}", MultiKV{Primary: Consul, Secondary: Memberlist, Mirror: true}},
		{"switched", "multi_kv_config: {primary: memberlist, mirror_enabled: true}", MultiKV{Primary: Memberlist, Secondary: Consul, Mirror: true}},
		{"an empty primary changes nothing", "multi_kv_config: {primary: \"\", mirror_enabled: null}", MultiKV{Primary: Consul, Secondary: Memberlist}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rt mimirapi.Document
			if tt.runtime != "" {
				rt = parseDoc(t, tt.runtime)
			}
			got, err := Clients(parseDoc(t, multiConfig), rt)
			if err != nil {
				t.Fatal(err)
			}
			want := []Client{
				{Path: "compactor.sharding_ring", Store: Memberlist},
				{Path: "distributor.ha_tracker", Store: Multi, Multi: MultiKV{Primary: Etcd, Secondary: Memberlist, Mirror: true}},
				{Path: "distributor.ring", Store: Multi, Multi: tt.ring},
				{Path: "ingester.ring", Store: Multi, Multi: tt.ring},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Clients()\n got %+v\nwant %+v", got, want)
			}
		})
	}
	if _, err := Clients(parseDoc(t, multiConfig), parseDoc(t, "multi_kv_config: {mirror_enabled: maybe}")); err == nil || !strings.Contains(err.Error(), `"maybe" is not a bool`) {
		t.Errorf("a mirror_enabled that is not a bool: %v", err)
	}
}

// On captured configurations of Mimir 2.9.0 and 3.0.5, every kvstore block
// is found and none runs the multi store.
func TestClientsOfCapturedConfigs(t *testing.T) {
	for version, want := range map[string][]string{
		"mimir-2.9.0": {"distributor.ha_tracker", "distributor.ring", "ingester.ring"},
		"mimir-3.0.5": {"distributor.ha_tracker", "distributor.ring", "ingester.partition_ring", "ingester.ring", "overrides_exporter.ring"},
	} {
		b, err := os.ReadFile(filepath.Join(captured, version, "config.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		clients, err := Clients(parseDoc(t, string(b)), mimirapi.Document{})
		if err != nil {
			t.Fatal(err)
		}
		paths := map[string]bool{}
		for _, c := range clients {
			paths[c.Path] = true
			if c.Store == Multi {
				t.Errorf("%s: %s runs the multi store", version, c.Path)
			}
		}
		for _, p := range want {
			if !paths[p] {
				t.Errorf("%s: no client %s among %v", version, p, clients)
			}
		}
		if problems, _ := (Expect{None: true}).Judge(clients); len(problems) != 0 {
			t.Errorf("%s: expect none: %v", version, problems)
		}
		if problems, _ := (Expect{Primary: Memberlist}).Judge(clients); !reflect.DeepEqual(problems, []string{"no KV client runs the multi KV store"}) {
			t.Errorf("%s: expect memberlist primary: %v", version, problems)
		}
	}
}

func TestExpectJudge(t *testing.T) {
	ring := func(path string, m MultiKV) Client { return Client{Path: path, Store: Multi, Multi: m} }
	switched := MultiKV{Primary: Memberlist, Secondary: Consul, Mirror: true}
	clients := []Client{
		{Path: "compactor.sharding_ring", Store: Memberlist},
		ring("distributor.ring", switched),
		ring("ingester.ring", MultiKV{Primary: Consul, Secondary: Memberlist, Mirror: true}),
	}
	problems, multi := (Expect{Primary: Memberlist, Mirror: true}).Judge(clients)
	if want := []string{"ingester.ring runs consul primary, memberlist secondary, mirroring on, want memberlist primary, mirroring on"}; !reflect.DeepEqual(problems, want) {
		t.Errorf("problems = %q, want %q", problems, want)
	}
	if want := []string{"distributor.ring", "ingester.ring"}; !reflect.DeepEqual(multi, want) {
		t.Errorf("multi = %v", multi)
	}
	problems, _ = (Expect{None: true}).Judge(clients[:2])
	if want := []string{"distributor.ring still runs the multi KV store (memberlist primary, consul secondary, mirroring on)"}; !reflect.DeepEqual(problems, want) {
		t.Errorf("none: %q", problems)
	}
}
