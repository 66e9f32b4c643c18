package plan

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/duration"
)

// ParamType is the type of a plan parameter.
type ParamType string

// Parameter types. Lists are comma-separated on the command line.
const (
	TypeString   ParamType = "string"
	TypeInt      ParamType = "int"
	TypeNumber   ParamType = "number"
	TypeBool     ParamType = "bool"
	TypeDuration ParamType = "duration"
	TypeList     ParamType = "list"
)

var paramTypes = []string{string(TypeString), string(TypeInt), string(TypeNumber), string(TypeBool), string(TypeDuration), string(TypeList)}

// Parameter is a value a plan takes from its user: a namespace, the zones,
// replica counts, the old KV store, Prometheus selectors.
type Parameter struct {
	Name        string    `yaml:"name" json:"name"`
	Type        ParamType `yaml:"type" json:"type"`
	Description string    `yaml:"description,omitempty" json:"description,omitempty"`
	// Default is used when the user gives no value. A parameter without a
	// default is required.
	Default any `yaml:"default,omitempty" json:"default,omitempty"`
	// EnvironmentDefaults replace Default for a run on an environment of
	// that kind (EnvironmentTanka, EnvironmentHelm): Grafana's jsonnet and
	// its Helm chart label and name the same pods differently.
	EnvironmentDefaults map[string]any `yaml:"environmentDefaults,omitempty" json:"environmentDefaults,omitempty"`
	Enum                []string       `yaml:"enum,omitempty" json:"enum,omitempty"`
	// Min is the least value of an int parameter (none when nil).
	Min *int64 `yaml:"min,omitempty" json:"min,omitempty"`
}

// ParamValues holds bound parameter values: string, int64, float64, bool,
// duration strings, or []string for lists.
type ParamValues map[string]any

var paramNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)

// Parse converts a command-line value to the parameter's type.
func (p Parameter) Parse(raw string) (any, error) {
	var v any
	switch p.Type {
	case TypeString:
		v = raw
	case TypeInt:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parameter %s wants an integer, got %q", p.Name, raw)
		}
		if p.Min != nil && n < *p.Min {
			return nil, fmt.Errorf("parameter %s: %d is less than %d", p.Name, n, *p.Min)
		}
		v = n
	case TypeNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return nil, fmt.Errorf("parameter %s wants a number, got %q", p.Name, raw)
		}
		v = f
	case TypeBool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("parameter %s wants true or false, got %q", p.Name, raw)
		}
		v = b
	case TypeDuration:
		if _, err := duration.Parse(strings.TrimSpace(raw)); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		v = strings.TrimSpace(raw)
	case TypeList:
		v = splitList(raw)
	default:
		return nil, fmt.Errorf("parameter %s has unknown type %q", p.Name, p.Type)
	}
	return v, p.checkEnum(v)
}

func splitList(raw string) []string {
	out := []string{}
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// normalize converts a default decoded from YAML or JSON to the canonical Go
// type of the parameter.
func (p Parameter) normalize(v any) (any, error) {
	switch p.Type {
	case TypeString, TypeDuration:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("default of %s must be a %s, got %v", p.Name, p.Type, v)
		}
		return p.Parse(s)
	case TypeInt:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		case float64:
			if n == float64(int64(n)) {
				return int64(n), nil
			}
		}
	case TypeNumber:
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		case float64:
			return n, nil
		}
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case TypeList:
		items, ok := v.([]any)
		if !ok {
			if ss, ok := v.([]string); ok {
				return ss, nil
			}
			break
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			out = append(out, fmt.Sprint(it))
		}
		return out, p.checkEnum(out)
	}
	return nil, fmt.Errorf("default of %s must be a %s, got %v", p.Name, p.Type, v)
}

func (p Parameter) checkEnum(v any) error {
	if len(p.Enum) == 0 {
		return nil
	}
	vals := []string{}
	switch t := v.(type) {
	case []string:
		vals = t
	default:
		vals = append(vals, fmt.Sprint(t))
	}
	for _, s := range vals {
		found := false
		for _, e := range p.Enum {
			found = found || e == s
		}
		if !found {
			return fmt.Errorf("parameter %s: %q is not one of %s", p.Name, s, strings.Join(p.Enum, ", "))
		}
	}
	return nil
}

// Bind resolves the values of params from the user's raw values and the
// defaults. Unknown names and missing required values are errors that list
// what the plan accepts.
func Bind(params []Parameter, raw map[string]string) (ParamValues, error) {
	values, _, err := bind(params, raw, false, "")
	return values, err
}

// bind is Bind; with placeholders, a required parameter without a value is
// bound to its placeholder (see Placeholder) and named in unbound instead of
// being an error. environment is the run's kind of environment ("" for
// none), which picks the parameters' EnvironmentDefaults.
func bind(params []Parameter, raw map[string]string, placeholders bool, environment string) (values ParamValues, unbound []string, err error) {
	byName := map[string]Parameter{}
	names := make([]string, 0, len(params))
	for _, p := range params {
		byName[p.Name] = p
		names = append(names, p.Name)
	}
	var problems []string
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ParamValues{}
	for _, k := range keys {
		p, ok := byName[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown parameter %q (%s)", k, Suggest(k, names)))
			continue
		}
		v, err := p.Parse(raw[k])
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out[k] = v
	}
	for _, p := range params {
		if _, ok := out[p.Name]; ok {
			continue
		}
		if d, ok := p.EnvironmentDefaults[environment]; ok {
			p.Default = d
		}
		if p.Default == nil && placeholders {
			out[p.Name], unbound = p.Placeholder(), append(unbound, p.Name)
			continue
		}
		if p.Default == nil {
			problems = append(problems, fmt.Sprintf("parameter %s is required: pass --param %s=VALUE (%s)", p.Name, p.Name, p.Description))
			continue
		}
		v, err := p.normalize(p.Default)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out[p.Name] = v
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return out, unbound, nil
}

// Placeholder stands for the parameter's value in a plan shown without it:
// "<name>", or a list of that one string.
func (p Parameter) Placeholder() any {
	if p.Type == TypeList {
		return []string{placeholderText(p.Name)}
	}
	return placeholderText(p.Name)
}

func placeholderText(name string) string { return "<" + name + ">" }
