package plan

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mimirctl/mimirctl/pkg/duration"
)

// rawStep is the YAML shape of a step; actions and gates are decoded by kind.
type rawStep struct {
	ID          string            `yaml:"id"`
	Title       string            `yaml:"title"`
	Why         string            `yaml:"why"`
	Docs        []DocRef          `yaml:"docs"`
	Actions     []yaml.Node       `yaml:"actions"`
	Manual      *Manual           `yaml:"manual"`
	Gates       []yaml.Node       `yaml:"gates"`
	Wait        *Wait             `yaml:"wait"`
	MinDuration duration.Duration `yaml:"minDuration"`
	Undo        string            `yaml:"undo"`
}

var stepIDRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.\-]*[a-z0-9])?$`)

// step decodes one step node.
func (d *docReader) step(n *yaml.Node, path string, reg *Registry) (*Step, bool) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "write the step as a mapping with id, title, actions, gates", "a step must be a mapping, got %s", kindName(n))
		return nil, false
	}
	var raw rawStep
	if !d.decode(n, path, &raw) {
		return nil, false
	}
	if raw.ID != "" {
		path = fmt.Sprintf("%s(%s)", path, raw.ID)
	}
	before := len(d.errs.Errors)
	s := &Step{ID: raw.ID, Title: raw.Title, Why: raw.Why, Docs: raw.Docs, Manual: raw.Manual,
		Wait: raw.Wait, MinDuration: raw.MinDuration, Undo: strings.TrimSpace(raw.Undo), Source: d.source(n)}
	d.checkStepFields(n, path, s)
	for i := range raw.Actions {
		if a, ok := d.action(resolve(&raw.Actions[i]), fmt.Sprintf("%s.actions[%d]", path, i), reg); ok {
			s.Actions = append(s.Actions, a)
		}
	}
	seen := map[string]bool{}
	for i := range raw.Gates {
		g, ok := d.gate(resolve(&raw.Gates[i]), fmt.Sprintf("%s.gates[%d]", path, i), reg)
		if !ok {
			continue
		}
		if seen[g.Name] {
			d.fail(&raw.Gates[i], fmt.Sprintf("%s.gates[%d].name", path, i), "give each gate of a step its own name", "duplicate gate name %q", g.Name)
		}
		seen[g.Name] = true
		s.Gates = append(s.Gates, g)
	}
	if len(raw.Actions) == 0 && len(raw.Gates) == 0 && raw.Wait == nil && raw.Manual == nil {
		d.fail(n, path, "add actions, gates, a wait or a manual instruction", "the step does nothing")
	}
	return s, len(d.errs.Errors) == before
}

func (d *docReader) checkStepFields(n *yaml.Node, path string, s *Step) {
	switch {
	case s.ID == "":
		d.fail(n, path+".id", "add id: a short kebab-case name such as 3.1-scale-up-read", "missing step id")
	case !stepIDRE.MatchString(s.ID) && !d.hasPlaceholder(s.ID):
		d.fail(n, path+".id", "use lower-case letters, digits, dots and dashes", "step id %q is not valid", s.ID)
	}
	if strings.TrimSpace(s.Title) == "" {
		d.fail(n, path+".title", "say in a few words what the step achieves", "missing title")
	}
	if s.Manual != nil && strings.TrimSpace(s.Manual.Instructions) == "" {
		d.fail(n, path+".manual.instructions", "tell the operator what to do before approving", "manual step without instructions")
	}
	if s.Wait != nil && s.Wait.Duration <= 0 {
		d.fail(n, path+".wait.duration", "write a positive duration like 10m", "wait without a duration")
	}
	if s.Wait != nil && s.Wait.FromConfig != nil {
		fc := s.Wait.FromConfig
		if err := fc.Pods.Validate(); err != nil {
			d.fail(n, path+".wait.fromConfig.pods", "select the pods whose /config holds the settings, e.g. {labels: name=querier}", "%v", err)
		}
		if len(fc.Keys) == 0 || slices.Contains(fc.Keys, "") {
			d.fail(n, path+".wait.fromConfig.keys", "list dotted paths of duration settings, e.g. [querier.query_store_after]", "no settings to measure the wait by")
		}
		for _, k := range slices.Sorted(maps.Keys(fc.Factors)) {
			switch f := fc.Factors[k]; {
			case !slices.Contains(fc.Keys, k):
				d.fail(n, path+".wait.fromConfig.factors."+k, "give factors only to keys listed in wait.fromConfig.keys", "factor of %s, which is not a key of the wait", k)
			case !(f >= 1) || math.IsInf(f, 1):
				d.fail(n, path+".wait.fromConfig.factors."+k, "write a number of at least 1, e.g. 1.25: a factor never shortens a wait", "factor %v of %s", f, k)
			}
		}
	}
}

// splitKind separates the common keys of an action or gate item from its one
// kind key. A key that is neither a common field nor one of kinds is a
// misspelt field, reported with the closest known key; only the one key of
// an item without a known kind is taken for a misspelt kind when it is
// closer to a kind than to a common field (the caller reports it).
func (d *docReader) splitKind(n *yaml.Node, path string, common map[string]bool, kinds []string, what string) (kindKey, kindVal *yaml.Node, commons *yaml.Node, ok bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		d.fail(n, path, fmt.Sprintf("write it as a mapping with one %s kind key", what), "%s must be a mapping, got %s", what, kindName(n))
		return nil, nil, nil, false
	}
	commons = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	var found, unknown [][2]*yaml.Node
	for _, kv := range pairs(n) {
		switch {
		case common[kv[0].Value]:
			commons.Content = append(commons.Content, kv[0], kv[1])
		case contains(kinds, kv[0].Value):
			found = append(found, kv)
		default:
			unknown = append(unknown, kv)
		}
	}
	commonNames := sortedNames(common)
	known := append(append([]string(nil), commonNames...), kinds...)
	if len(found) == 0 && len(unknown) == 1 && !contains(commonNames, nearest(unknown[0][0].Value, known)) {
		found, unknown = unknown, nil
	}
	for _, kv := range unknown {
		d.fail(kv[0], joinPath(path, kv[0].Value), Suggest(kv[0].Value, known), "unknown field %q", kv[0].Value)
	}
	switch len(found) {
	case 0:
		d.fail(n, path, Suggest("", kinds), "%s has no kind", what)
		return nil, nil, nil, false
	case 1:
		return found[0][0], found[0][1], commons, true
	default:
		d.fail(found[1][0], path, "split it into one item per kind", "%s has several kinds (%s and %s)", what, found[0][0].Value, found[1][0].Value)
		return nil, nil, nil, false
	}
}

// sortedNames lists the keys of a set in order.
func sortedNames(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var actionCommon = map[string]bool{"name": true, "description": true}

func (d *docReader) action(n *yaml.Node, path string, reg *Registry) (ActionConfig, bool) {
	key, val, commons, ok := d.splitKind(n, path, actionCommon, reg.actionNames(), "action")
	if !ok {
		return ActionConfig{}, false
	}
	kind, known := reg.actions[key.Value]
	if !known {
		d.fail(key, path, Suggest(key.Value, reg.actionNames()), "unknown action kind %q", key.Value)
		return ActionConfig{}, false
	}
	var common struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	}
	if !d.decode(commons, path, &common) {
		return ActionConfig{}, false
	}
	spec, ok := d.decodeSpec(val, joinPath(path, key.Value), key.Value, kind.New())
	if !ok {
		return ActionConfig{}, false
	}
	return ActionConfig{Kind: key.Value, Name: common.Name, Description: common.Description, Spec: spec, Source: d.source(key)}, true
}

var gateCommon = map[string]bool{"name": true, "interval": true, "timeout": true, "consecutive": true, "failureLimit": true}

func (d *docReader) gate(n *yaml.Node, path string, reg *Registry) (GateConfig, bool) {
	key, val, commons, ok := d.splitKind(n, path, gateCommon, reg.gateNames(), "gate")
	if !ok {
		return GateConfig{}, false
	}
	kind, known := reg.gates[key.Value]
	if !known {
		d.fail(key, path, Suggest(key.Value, reg.gateNames()), "unknown gate kind %q", key.Value)
		return GateConfig{}, false
	}
	var common struct {
		Name   string `yaml:"name"`
		Policy `yaml:",inline"`
	}
	common.FailureLimit = -1
	if !d.decode(commons, path, &common) {
		return GateConfig{}, false
	}
	if common.Consecutive < 0 {
		d.fail(commons, path+".consecutive", "use 1 or more", "consecutive must not be negative")
	}
	spec, ok := d.decodeSpec(val, joinPath(path, key.Value), key.Value, kind.New())
	if !ok {
		return GateConfig{}, false
	}
	name := common.Name
	if name == "" {
		name = key.Value
	}
	return GateConfig{Kind: key.Value, Name: name, Spec: spec, Policy: common.withDefaults(), Source: d.source(key)}, true
}

// decodeSpec decodes the body of kind into spec and runs its Validate. A body
// that uses unbound parameters goes to decodeUnbound.
func (d *docReader) decodeSpec(val *yaml.Node, path, kind string, spec ActionSpec) (ActionSpec, bool) {
	if val == nil || (val.Kind == yaml.ScalarNode && val.Tag == "!!null") {
		val = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: lineOf(val), Column: 1}
	}
	if d.mentionsPlaceholder(val) {
		return d.decodeUnbound(val, path, kind, spec)
	}
	if !d.decode(val, path, spec) {
		return nil, false
	}
	if err := spec.Validate(); err != nil {
		d.fail(val, path, "", "%v", err)
		return nil, false
	}
	return spec, true
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}
