package plan

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// UnboundSpec stands for the body of an action or gate that uses parameters
// a plan was shown without (LoadOptions.Unbound) and that cannot take their
// placeholders (a number, a duration). It shows the body; it cannot run.
type UnboundSpec struct {
	Kind string `json:"kind"`
	// Body is the kind's body in YAML flow style, placeholders included.
	Body string `json:"body"`
}

// Validate accepts the body: it was checked for unknown fields only.
func (s *UnboundSpec) Validate() error { return nil }

// Describe shows the kind and its body.
func (s *UnboundSpec) Describe() string { return s.Kind + " " + s.Body }

// decodeUnbound decodes a body that uses unbound parameters. Unknown fields
// are errors as always; a body whose placeholders do not fit its field types
// becomes an UnboundSpec. The spec is not validated: a placeholder is not a
// valid name, selector or duration.
func (d *docReader) decodeUnbound(val *yaml.Node, path, kind string, spec ActionSpec) (ActionSpec, bool) {
	before := len(d.errs.Errors)
	d.checkKnown(val, reflect.TypeOf(spec), path)
	if len(d.errs.Errors) > before {
		return nil, false
	}
	if err := val.Decode(spec); err != nil {
		return &UnboundSpec{Kind: kind, Body: flowYAML(val)}, true
	}
	return spec, true
}

// mentionsPlaceholder reports whether a scalar of n holds the placeholder
// of an unbound parameter.
func (d *docReader) mentionsPlaceholder(n *yaml.Node) bool {
	if len(d.placeholders) == 0 || n == nil {
		return false
	}
	if n.Kind == yaml.ScalarNode {
		return d.hasPlaceholder(n.Value)
	}
	for _, c := range n.Content {
		if d.mentionsPlaceholder(c) {
			return true
		}
	}
	return false
}

// hasPlaceholder reports whether s holds the placeholder of an unbound
// parameter.
func (d *docReader) hasPlaceholder(s string) bool {
	for _, p := range d.placeholders {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// placeholderTexts are the placeholders of the unbound parameters.
func placeholderTexts(unbound []string) []string {
	out := make([]string, len(unbound))
	for i, name := range unbound {
		out[i] = placeholderText(name)
	}
	return out
}

// flowYAML renders n on one line, e.g. {minPods: <members>, members: <members>}.
func flowYAML(n *yaml.Node) string {
	c := copyFlow(n)
	b, err := yaml.Marshal(c)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return strings.TrimSpace(string(b))
}

func copyFlow(n *yaml.Node) *yaml.Node {
	c := *n
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		c.Style |= yaml.FlowStyle
	}
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = copyFlow(k)
	}
	return &c
}
