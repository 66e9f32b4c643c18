package mimirapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// ErrNoRuntimeConfig means the pod runs without -runtime-config.file (2.9.0
// and 3.0.5 answer 404; some versions answer NoRuntimeConfigBody).
var ErrNoRuntimeConfig = errors.New("no runtime configuration")

// Document is a YAML document fetched from a pod, for key lookups.
type Document struct{ root *yaml.Node }

// ParseDocument reads YAML.
func ParseDocument(b []byte) (Document, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return Document{}, fmt.Errorf("read YAML: %w", err)
	}
	return Document{root: &n}, nil
}

// FetchConfig fetches /config from pod t (mode "" for the effective
// configuration, "diff" or "defaults").
func FetchConfig(ctx context.Context, d podaccess.Doer, t podaccess.Target, mode string) (Document, error) {
	path := mimir.PathConfig
	if mode != "" {
		path += "?mode=" + mode
	}
	b, err := get(ctx, d, t, path, "")
	if err != nil {
		return Document{}, err
	}
	doc, err := ParseDocument(b)
	if err != nil {
		return Document{}, fmt.Errorf("config of pod %s: %w", t, err)
	}
	return doc, nil
}

// FetchRuntimeConfig fetches /runtime_config from pod t; ErrNoRuntimeConfig
// when the pod has none.
func FetchRuntimeConfig(ctx context.Context, d podaccess.Doer, t podaccess.Target) (Document, error) {
	b, err := get(ctx, d, t, mimir.PathRuntimeConfig, "")
	if errors.Is(err, ErrNotServed) || (err == nil && strings.TrimSpace(string(b)) == mimir.NoRuntimeConfigBody) {
		return Document{}, fmt.Errorf("pod %s: %w (is -runtime-config.file set?)", t, ErrNoRuntimeConfig)
	}
	if err != nil {
		return Document{}, err
	}
	doc, err := ParseDocument(b)
	if err != nil {
		return Document{}, fmt.Errorf("runtime config of pod %s: %w", t, err)
	}
	return doc, nil
}

// Root is the document's top-level node (a mapping for /config and
// /runtime_config), nil for the zero Document, for callers that walk it.
func (d Document) Root() *yaml.Node {
	n := d.root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	return n
}

var indexRE = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

// Lookup finds a key written as a dotted path, with [n] for list items:
// "distributor.ha_tracker.kvstore.store", "memberlist.join_members[0]". It
// returns the node and whether it exists.
func (d Document) Lookup(key string) (*yaml.Node, bool) {
	n := d.root
	if n == nil {
		return nil, false
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, part := range strings.Split(key, ".") {
		idx := -1
		if m := indexRE.FindStringSubmatch(part); m != nil {
			part = m[1]
			idx, _ = strconv.Atoi(m[2])
		}
		if n = child(n, part); n == nil {
			return nil, false
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return nil, false
			}
			n = n.Content[idx]
		}
	}
	return n, true
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Render writes a node as one line of YAML for messages: scalars as their
// text, null as "null", others in flow style.
func Render(n *yaml.Node) string {
	if n == nil {
		return "(absent)"
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	c := *n
	c.Style = yaml.FlowStyle
	b, err := yaml.Marshal(&c)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return strings.TrimSpace(string(b))
}

// ConfigReader reads single settings of pods' /config (PathConfig), the
// effective configuration. The zero value is unusable; set Pods.
type ConfigReader struct{ Pods podaccess.Doer }

// Config returns the value at key (a dotted path, see Lookup) of pod t's
// /config: a scalar's text ("1m0s", "memberlist"), or a list or map on one
// line (Render). It is an error when the pod cannot be read or has no key.
func (r ConfigReader) Config(ctx context.Context, t podaccess.Target, key string) (string, error) {
	doc, err := FetchConfig(ctx, r.Pods, t, "")
	if err != nil {
		return "", err
	}
	n, ok := doc.Lookup(key)
	if !ok {
		return "", fmt.Errorf("pod %s: /config has no %s", t.Name, key)
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value, nil
	}
	return Render(n), nil
}
