package kvmigrate

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
)

// Store is a KV store as Mimir's -<prefix>.store flag and the kvstore.store
// key of /config name it (dskit kv.Config).
type Store string

// Stores a ring can move between, and the multi store that wraps two of
// them during a migration.
const (
	Consul     Store = "consul"
	Etcd       Store = "etcd"
	Memberlist Store = "memberlist"
	Multi      Store = "multi"
)

// backends are the stores a multi KV store can wrap.
var backends = []Store{Consul, Etcd, Memberlist}

func validBackend(field string, s Store) error {
	if !slices.Contains(backends, s) {
		return fmt.Errorf("%s: %q is not consul, etcd or memberlist", field, s)
	}
	return nil
}

// StageName names a stage of a migration through the multi KV store, in
// the order of Mimir's "Migrate from Consul to memberlist" (steps 1 to 4
// and 6; step 5, the teardown, is a rollout that leaves the multi store
// and keeps the runtime document of StagePrimary until it is complete).
type StageName string

// Stages of a migration from one store (From) to another (To).
const (
	// StageSecondary: clients run the multi store with From primary and To
	// secondary, without mirroring (step 1, multikv_migration_enabled).
	StageSecondary StageName = "secondary"
	// StageMirror: writes to From are mirrored to To (step 2,
	// multikv_mirror_enabled).
	StageMirror StageName = "mirror"
	// StageSwitch: To is primary, writes mirrored back to From (step 3,
	// multikv_switch_primary_secondary).
	StageSwitch StageName = "switch"
	// StagePrimary: To is primary, mirroring stopped (step 4); the runtime
	// document stays so through the teardown (step 5,
	// multikv_migration_teardown).
	StagePrimary StageName = "primary"
	// StageRemoved: the runtime multi_kv_config is gone (step 6); only
	// once no client runs the multi store, which would fall back to its
	// flags' primary (grafana/mimir#1659).
	StageRemoved StageName = "removed"
)

// StageNames lists the stages in migration order.
var StageNames = []StageName{StageSecondary, StageMirror, StageSwitch, StagePrimary, StageRemoved}

// MultiKV is what one multi KV client runs: reads and writes go to
// Primary; with Mirror, writes are copied to Secondary too.
type MultiKV struct {
	Primary   Store
	Secondary Store
	Mirror    bool
}

// String reads e.g. "memberlist primary, consul secondary, mirroring on".
func (m MultiKV) String() string {
	return fmt.Sprintf("%s primary, %s secondary, mirroring %s", m.Primary, m.Secondary, onOff(m.Mirror))
}

// withPrimary is m after a runtime switch of the primary to p: switching to
// the secondary swaps the two (dskit kv.MultiClient mirrors to every client
// but the primary).
func (m MultiKV) withPrimary(p Store) MultiKV {
	if p == m.Secondary {
		m.Secondary = m.Primary
	}
	m.Primary = p
	return m
}

// Stage is one stage of a migration of KV clients from the store From to
// the store To through the multi KV store.
type Stage struct {
	Name StageName
	From Store
	To   Store
}

// Validate reports an unknown stage or stores, naming the field.
func (s Stage) Validate() error {
	var errs []error
	if !slices.Contains(StageNames, s.Name) {
		names := make([]string, len(StageNames))
		for i, n := range StageNames {
			names[i] = string(n)
		}
		errs = append(errs, fmt.Errorf("stage: %q is not one of %s", s.Name, strings.Join(names, ", ")))
	}
	errs = append(errs, validBackend("from", s.From), validBackend("to", s.To))
	if s.From == s.To && s.From != "" {
		errs = append(errs, fmt.Errorf("to: %q is also from; a migration moves to another store", s.To))
	}
	return errors.Join(errs...)
}

// MultiKV is what every multi KV client runs in the stage; false for
// StageRemoved, which has no runtime multi KV settings.
func (s Stage) MultiKV() (MultiKV, bool) {
	switch s.Name {
	case StageSecondary:
		return MultiKV{Primary: s.From, Secondary: s.To}, true
	case StageMirror:
		return MultiKV{Primary: s.From, Secondary: s.To, Mirror: true}, true
	case StageSwitch:
		return MultiKV{Primary: s.To, Secondary: s.From, Mirror: true}, true
	case StagePrimary:
		return MultiKV{Primary: s.To, Secondary: s.From}, true
	}
	return MultiKV{}, false
}

// RuntimeConfig is the runtime configuration the stage needs, as a merge
// patch for the runtimeConfig action: {multi_kv_config: {primary: <store>,
// mirror_enabled: <bool>}}, or {multi_kv_config: null} for StageRemoved.
// The runtime configuration can only set the primary and the mirroring;
// the secondary is the client's -<prefix>.multi.secondary flag.
func (s Stage) RuntimeConfig() map[string]any {
	m, ok := s.MultiKV()
	if !ok {
		return map[string]any{mimir.RuntimeMultiKVConfig: nil}
	}
	return map[string]any{mimir.RuntimeMultiKVConfig: map[string]any{"primary": string(m.Primary), "mirror_enabled": m.Mirror}}
}

// String reads e.g. "stage mirror from consul to memberlist (consul
// primary, memberlist secondary, mirroring on)".
func (s Stage) String() string {
	d := fmt.Sprintf("stage %s from %s to %s", s.Name, s.From, s.To)
	if m, ok := s.MultiKV(); ok {
		d += " (" + m.String() + ")"
	} else {
		d += " (no runtime multi KV settings)"
	}
	return d
}

// Client is one KV client of a pod: a kvstore block of its /config, e.g.
// "ingester.ring".
type Client struct {
	// Path is the block's /config path without ".kvstore".
	Path string
	// Store is the block's store: Multi, or the one store it runs.
	Store Store
	// Multi is what a multi client runs after the runtime override; zero
	// unless Store is Multi.
	Multi MultiKV
}

// HATrackerPath is the HA tracker's KV client. Unlike the rings', it does
// not follow the runtime multi_kv_config (seen on Mimir 3.0.5: its primary
// stayed put when the runtime configuration switched), so its multi
// settings are its flags alone.
const HATrackerPath = mimir.KeyHATracker

// Clients lists a pod's KV clients from its /config (config) and
// /runtime_config (runtime; the zero Document when it has none), sorted by
// path. A multi client's primary and mirroring are its flags
// (kvstore.multi.primary, .mirror_enabled) overridden by the runtime
// multi_kv_config where that sets them (an empty primary or an absent
// mirror_enabled changes nothing, as in dskit kv.MultiClient); the HA
// tracker ignores the override. The error is a config without kvstore
// blocks or a runtime value that is not a bool.
func Clients(config, runtime mimirapi.Document) ([]Client, error) {
	var out []Client
	walkKVStores(config.Root(), "", func(path string, kv *yaml.Node) {
		c := Client{Path: path, Store: Store(scalar(kv, "store"))}
		if c.Store == Multi {
			m := child(kv, "multi")
			c.Multi = MultiKV{Primary: Store(scalar(m, "primary")), Secondary: Store(scalar(m, "secondary")), Mirror: scalar(m, "mirror_enabled") == "true"}
		}
		out = append(out, c)
	})
	if len(out) == 0 {
		return nil, errors.New("the configuration has no kvstore block")
	}
	override := child(runtime.Root(), mimir.RuntimeMultiKVConfig)
	if override != nil {
		if p := scalar(override, "primary"); p != "" {
			for i := range out {
				if out[i].Store == Multi && out[i].Path != HATrackerPath {
					out[i].Multi = out[i].Multi.withPrimary(Store(p))
				}
			}
		}
		if n := child(override, "mirror_enabled"); n != nil && n.Tag != "!!null" {
			on, err := strconv.ParseBool(n.Value)
			if err != nil {
				return nil, fmt.Errorf("runtime %s.mirror_enabled: %q is not a bool", mimir.RuntimeMultiKVConfig, n.Value)
			}
			for i := range out {
				if out[i].Store == Multi && out[i].Path != HATrackerPath {
					out[i].Multi.Mirror = on
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Client) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// walkKVStores calls fn with every mapping under a "kvstore" key that has
// a "store" key, and the dotted path of its parent.
func walkKVStores(n *yaml.Node, path string, fn func(string, *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if k == mimir.KeyKVStore && child(v, "store") != nil {
			fn(path, v)
			continue
		}
		p := k
		if path != "" {
			p = path + "." + k
		}
		walkKVStores(v, p, fn)
	}
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node, key string) string {
	c := child(n, key)
	if c == nil || c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
		return ""
	}
	return c.Value
}

// Expect is a verdict over KV clients: every multi client runs Primary
// with mirroring Mirror, or (None) no client runs the multi store.
type Expect struct {
	None    bool
	Primary Store
	Mirror  bool
}

// String reads "no multi KV store" or e.g. "multi KV store with
// memberlist primary, mirroring off".
func (e Expect) String() string {
	if e.None {
		return "no multi KV store"
	}
	return fmt.Sprintf("multi KV store with %s primary, mirroring %s", e.Primary, onOff(e.Mirror))
}

// Judge returns what in clients contradicts e, one line per client, and
// the multi clients' paths. With None, every multi client is a problem;
// otherwise a multi client with another primary or mirroring is, and so is
// a pod without any multi client (nothing runs the migration there).
// Clients on a single store are not judged otherwise: Mimir's jsonnet puts
// only some rings on the multi store, and every pod's /config lists every
// ring, used or not.
func (e Expect) Judge(clients []Client) (problems, multi []string) {
	for _, c := range clients {
		if c.Store != Multi {
			continue
		}
		multi = append(multi, c.Path)
		switch {
		case e.None:
			problems = append(problems, fmt.Sprintf("%s still runs the multi KV store (%s)", c.Path, c.Multi))
		case c.Multi.Primary != e.Primary || c.Multi.Mirror != e.Mirror:
			problems = append(problems, fmt.Sprintf("%s runs %s, want %s primary, mirroring %s", c.Path, c.Multi, e.Primary, onOff(e.Mirror)))
		}
	}
	if !e.None && len(multi) == 0 {
		problems = append(problems, "no KV client runs the multi KV store")
	}
	return problems, multi
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
