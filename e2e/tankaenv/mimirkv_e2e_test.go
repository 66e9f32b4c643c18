//go:build e2e

package tankaenv

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// TestMimirKVEnvironment deploys environments/mimir-kv (Mimir 3.x, rings on
// Consul, HA tracker on etcd), checks the ring in Consul and an HA
// election in etcd, writes and reads back, then takes the first steps of
// the ring migration to memberlist: multi KV store (a rollout) and
// mirroring (runtime configuration only).
func TestMimirKVEnvironment(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	e := localCluster(ctx, t)
	const ns = "mimir-kv"
	defer e.removeNamespace(t, ns)
	root, err := Copy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	took := e.deploy(ctx, t, root, EnvMimirKV, nil)
	t.Logf("TIMING mimir-kv (Consul rings, etcd HA tracker): every pod ready %.1fs after apply", took.Seconds())
	e.logMemory(t, "mimir-kv")

	zones := members(map[string]string{"ingester-zone-a-0": "zone-a", "ingester-zone-b-0": "zone-b", "ingester-zone-c-0": "zone-c"})
	e.waitRing(ctx, t, ns, "name=distributor", "/ingester/ring", 3*time.Minute, zones)
	keys := e.consulKeys(ctx, t, ns)
	// Mimir's default key prefixes, and multi-zone/ for zone-aware
	// store-gateways.
	for _, want := range []string{"collectors/ring", "collectors/distributor", "multi-zone/store-gateway", "collectors/compactor", "rulers/ring"} {
		if !contains(keys, want) {
			t.Errorf("Consul has no key %s; keys: %v", want, keys)
		}
	}

	// An HA pair: samples of replica-a are accepted and it is elected, in
	// etcd.
	ha := e.startWriter(ctx, t, ns, "name=distributor", "ha", map[string]string{"cluster": "e2e-pair", "__replica__": "replica-a"})
	ha.waitAccepted(ctx, t, 4)
	ha.stop()
	dist := e.pod(ctx, t, ns, "name=distributor")
	st, err := mimirapi.FetchHATracker(ctx, e.pods, dist)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Elected) != 1 || st.Elected[0].Cluster != "e2e-pair" || st.Elected[0].Replica != "replica-a" || st.Elected[0].Tenant != tenant {
		t.Errorf("HA tracker elected %+v, want replica-a of e2e-pair for %s", st.Elected, tenant)
	}
	if etcdKeys := e.etcdKeys(ctx, t, ns, "prom_ha/"); len(etcdKeys) != 1 || !strings.Contains(etcdKeys[0], "e2e-pair") {
		t.Errorf("etcd keys under prom_ha/: %v, want the election of e2e-pair", etcdKeys)
	}
	e.checkRead(ctx, t, ns, "name=query-frontend", ha)

	// Ring migration step 1: every ring on multi{consul, memberlist}.
	migration := &tanka.Overlay{Config: map[string]any{"memberlist_ring_enabled": true, "multikv_migration_enabled": true}}
	took = e.deploy(ctx, t, root, EnvMimirKV, migration)
	t.Logf("TIMING mimir-kv multi KV rollout: every pod ready %.1fs after apply", took.Seconds())
	e.waitRing(ctx, t, ns, "name=distributor", "/ingester/ring", 3*time.Minute, zones)

	// Step 2: mirroring is runtime configuration; every pod serves it
	// within the reload period, without a restart.
	migration.Merge(tanka.Overlay{Config: map[string]any{"multikv_mirror_enabled": true}})
	before := e.podUIDs(ctx, t, ns)
	start := time.Now()
	e.deploy(ctx, t, root, EnvMimirKV, migration)
	e.waitRuntimeConfig(ctx, t, ns, "name=ingester-zone-c", "multi_kv_config.mirror_enabled", "true")
	e.waitRuntimeConfig(ctx, t, ns, "name=ingester-zone-c", "multi_kv_config.primary", "consul")
	t.Logf("TIMING mimir-kv mirroring on: served by the pods %.1fs after apply", time.Since(start).Seconds())
	if after := e.podUIDs(ctx, t, ns); !maps.Equal(before, after) {
		t.Errorf("turning mirroring on replaced pods: before %v, after %v", before, after)
	}
	e.logMemory(t, "mimir-kv multi KV")

	w := e.startWriter(ctx, t, ns, "name=distributor", "after-multikv", nil)
	w.waitAccepted(ctx, t, 4)
	w.stop()
	e.checkRead(ctx, t, ns, "name=query-frontend", w)
}

// podUIDs maps the namespace's pod names to their UIDs.
func (e *env) podUIDs(ctx context.Context, t *testing.T, ns string) map[string]string {
	t.Helper()
	list, err := e.clients.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range list.Items {
		out[p.Name] = string(p.UID)
	}
	return out
}

// waitRuntimeConfig waits until a pod's /runtime_config has key = value.
func (e *env) waitRuntimeConfig(ctx context.Context, t *testing.T, ns, labels, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var got string
	for ctx.Err() == nil {
		target := e.pod(ctx, t, ns, labels)
		if doc, err := mimirapi.FetchRuntimeConfig(ctx, e.pods, target); err == nil {
			n, _ := doc.Lookup(key)
			if got = mimirapi.Render(n); got == value {
				t.Logf("CONFIG %s /runtime_config %s: %s", target.Name, key, got)
				return
			}
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("%s /runtime_config %s = %s, want %s", labels, key, got, value)
}

// consulKeys lists the keys of the Consul KV store.
func (e *env) consulKeys(ctx context.Context, t *testing.T, ns string) []string {
	t.Helper()
	target := e.pod(ctx, t, ns, "name=consul")
	target.Port = 8500
	code, body, err := podaccess.Get(ctx, e.pods, target, "/v1/kv/?keys", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("Consul keys: %d %s %v", code, body, err)
	}
	var keys []string
	if err := json.Unmarshal(body, &keys); err != nil {
		t.Fatalf("Consul keys %s: %v", body, err)
	}
	t.Logf("Consul keys: %v", keys)
	return keys
}

// etcdKeys lists the etcd keys under prefix through etcd's JSON gateway.
func (e *env) etcdKeys(ctx context.Context, t *testing.T, ns, prefix string) []string {
	t.Helper()
	target := e.pod(ctx, t, ns, "name=etcd")
	target.Port = 2379
	end := []byte(prefix)
	end[len(end)-1]++
	req, _ := json.Marshal(map[string]any{
		"key": base64.StdEncoding.EncodeToString([]byte(prefix)), "range_end": base64.StdEncoding.EncodeToString(end), "keys_only": true,
	})
	resp, err := e.pods.Do(ctx, target, http.MethodPost, "/v3/kv/range", http.Header{"Content-Type": {"application/json"}}, bytes.NewReader(req))
	if err != nil {
		t.Fatalf("etcd range %s: %v", prefix, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct {
		KVs []struct {
			Key string `json:"key"`
		} `json:"kvs"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil {
		t.Fatalf("etcd range %s: %d %s", prefix, resp.StatusCode, body)
	}
	var keys []string
	for _, kv := range out.KVs {
		k, _ := base64.StdEncoding.DecodeString(kv.Key)
		keys = append(keys, string(k))
	}
	t.Logf("etcd keys under %s: %v", prefix, keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
