package plan

import (
	"encoding"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// docReader decodes YAML nodes of one plan file, recording every problem
// with the file, line and field path instead of stopping at the first.
type docReader struct {
	file string
	// noLines is set for documents produced by Jsonnet: their line numbers
	// point into generated JSON, so only the field path is reported.
	noLines bool
	// placeholders are the texts standing for unbound parameters
	// (LoadOptions.Unbound).
	placeholders []string
	errs         *ValidationError
}

func (d *docReader) fail(n *yaml.Node, path, hint, format string, args ...any) {
	fe := FieldError{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if n != nil && !d.noLines {
		fe.Line = n.Line
	}
	d.errs.add(fe)
}

func (d *docReader) source(n *yaml.Node) string {
	if d.noLines || n == nil {
		return d.file
	}
	return fmt.Sprintf("%s:%d", d.file, n.Line)
}

// resolve follows aliases and document wrappers to the value node.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		case yaml.AliasNode:
			n = n.Alias
		default:
			return n
		}
	}
	return nil
}

// pairs returns the key/value pairs of a mapping node in document order.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], resolve(n.Content[i+1])})
	}
	return out
}

// valueOf returns the value node at the path of keys below the mapping n
// (of a key given twice, the last, as the decoder keeps it), or nil when a
// key is missing or a node on the way is not a mapping.
func valueOf(n *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		n = resolve(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for _, kv := range pairs(n) {
			if kv[0].Value == key {
				next = kv[1]
			}
		}
		n = next
	}
	return n
}

// decode decodes n into v strictly: unknown keys anywhere in the structure are
// reported with a suggestion, type errors with their line. It reports whether
// decoding succeeded.
func (d *docReader) decode(n *yaml.Node, path string, v any) bool {
	before := len(d.errs.Errors)
	d.checkKnown(n, reflect.TypeOf(v), path)
	if len(d.errs.Errors) > before {
		return false
	}
	if err := n.Decode(v); err != nil {
		d.typeErrors(n, path, err)
		return false
	}
	return true
}

var lineMsgRE = regexp.MustCompile(`^line (\d+): (.*)$`)

func (d *docReader) typeErrors(n *yaml.Node, path string, err error) {
	msgs := []string{err.Error()}
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	}
	for _, m := range msgs {
		fe := FieldError{File: d.file, Path: path, Msg: m}
		if sm := lineMsgRE.FindStringSubmatch(m); sm != nil {
			fe.Msg = sm[2]
			fe.Line, _ = strconv.Atoi(sm[1])
		} else if !d.noLines {
			fe.Line = n.Line
		}
		if d.noLines {
			fe.Line = 0
		}
		d.errs.add(fe)
	}
}

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	nodeType        = reflect.TypeFor[yaml.Node]()
)

// checkKnown walks n alongside type t and reports mapping keys that t has no
// field for.
func (d *docReader) checkKnown(n *yaml.Node, t reflect.Type, path string) {
	n = resolve(n)
	if n == nil || t == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nodeType || reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decoder reports the type mismatch
		}
		fields := yamlFields(t)
		for _, kv := range pairs(n) {
			ft, ok := fields[kv[0].Value]
			if !ok {
				d.fail(kv[0], joinPath(path, kv[0].Value), Suggest(kv[0].Value, fieldNames(fields)), "unknown field %q", kv[0].Value)
				continue
			}
			d.checkKnown(kv[1], ft, joinPath(path, kv[0].Value))
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for _, kv := range pairs(n) {
				d.checkKnown(kv[1], t.Elem(), joinPath(path, kv[0].Value))
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.SequenceNode {
			for i, item := range n.Content {
				d.checkKnown(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
}

// yamlFields maps the YAML keys of struct t (with inlined structs flattened)
// to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range yamlFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func fieldNames(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

var paramRefRE = regexp.MustCompile(`\$\$\{|\$\{([^}]*)\}`)

// substitute replaces ${name} references to plan parameters in every scalar of
// n. A scalar that is exactly one reference takes the parameter's typed value
// (a list becomes a sequence); references inside a longer string are
// formatted into it. "$${" writes a literal "${".
func (d *docReader) substitute(n *yaml.Node, path string, values ParamValues) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			d.substitute(c, p, values)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.substitute(n.Content[i+1], joinPath(path, n.Content[i].Value), values)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		d.substituteScalar(n, path, values)
	}
}

func (d *docReader) substituteScalar(n *yaml.Node, path string, values ParamValues) {
	if m := paramRefRE.FindStringSubmatch(n.Value); m != nil && m[0] == n.Value && m[0] != "$${" {
		v, ok := d.lookup(n, path, m[1], values)
		if !ok {
			return
		}
		var repl yaml.Node
		if err := repl.Encode(v); err != nil {
			d.fail(n, path, "", "cannot substitute parameter %s: %v", m[1], err)
			return
		}
		line, col := n.Line, n.Column
		*n = repl
		setPosition(n, line, col)
		return
	}
	n.Value = paramRefRE.ReplaceAllStringFunc(n.Value, func(ref string) string {
		if ref == "$${" {
			return "${"
		}
		name := ref[2 : len(ref)-1]
		v, ok := d.lookup(n, path, name, values)
		if !ok {
			return ref
		}
		if list, isList := v.([]string); isList {
			return strings.Join(list, ",")
		}
		return fmt.Sprint(v)
	})
	n.Tag = "!!str"
	n.Style = 0
}

func (d *docReader) lookup(n *yaml.Node, path, name string, values ParamValues) (any, bool) {
	v, ok := values[name]
	if !ok {
		names := make([]string, 0, len(values))
		for k := range values {
			names = append(names, k)
		}
		d.fail(n, path, Suggest(name, names), "unknown parameter ${%s}", name)
	}
	return v, ok
}

func setPosition(n *yaml.Node, line, col int) {
	n.Line, n.Column = line, col
	for _, c := range n.Content {
		setPosition(c, line, col)
	}
}
