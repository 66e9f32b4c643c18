package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadOptions configures Load.
type LoadOptions struct {
	// Registry is the vocabulary of action and gate kinds.
	Registry *Registry
	// Params holds the user's raw parameter values (--param name=value).
	Params map[string]string
	// MetadataOnly stops after the metadata: no parameters are bound and no
	// step is read (for listing plans whose parameters are required).
	MetadataOnly bool
	// LibFS, when set, is searched for Jsonnet imports after the plan's own
	// directory and the plan tree's lib/ directory (for user plans that
	// import the built-in library).
	LibFS fs.FS
	// Unbound lets required parameters without a value stand as placeholders,
	// for showing a plan: each is "<name>" where it is used (see
	// Parameter.Placeholder) and listed in Plan.Unbound, and an action or gate
	// whose body cannot take a placeholder (a number, say) becomes an
	// UnboundSpec showing that body. Such a plan cannot run.
	Unbound bool
	// Environment is the kind of environment the plan will run on
	// (EnvironmentTanka, EnvironmentHelm; "" for none or unknown): it picks
	// the parameters' EnvironmentDefaults.
	Environment string
}

// metaFiles are the names a plan's metadata file may have, in order of
// preference.
var metaFiles = []string{"plan.yaml", "plan.yml", "plan.jsonnet"}

// stepsDir holds step files when the metadata does not list them.
const stepsDir = "steps"

type rawPlan struct {
	Name              string      `yaml:"name"`
	Description       string      `yaml:"description"`
	MimirVersions     string      `yaml:"mimirVersions"`
	VersionReason     string      `yaml:"versionReason"`
	Environments      []string    `yaml:"environments"`
	EnvironmentReason string      `yaml:"environmentReason"`
	Notes             []string    `yaml:"notes"`
	Docs              []DocRef    `yaml:"docs"`
	Parameters        []Parameter `yaml:"parameters"`
	Preflight         []yaml.Node `yaml:"preflight"`
	Steps             []string    `yaml:"steps"`
}

var planNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9\-]*[a-z0-9])?$`)

// Load reads the plan in directory dir of fsys, binds its parameters, and
// validates every step. All problems are returned together as a
// *ValidationError; parameter problems are returned as a plain error.
func Load(fsys fs.FS, dir string, opts LoadOptions) (*Plan, error) {
	if opts.Registry == nil {
		opts.Registry = NewRegistry()
	}
	l := &loader{fsys: fsys, dir: dir, opts: opts, errs: &ValidationError{Plan: dir}}
	meta, metaNode, metaReader, err := l.readMeta()
	if err != nil {
		return nil, err
	}
	p := &Plan{Name: meta.Name, Description: strings.TrimSpace(meta.Description), MimirVersions: meta.MimirVersions,
		VersionReason: strings.TrimSpace(meta.VersionReason), Environments: meta.Environments,
		EnvironmentReason: strings.TrimSpace(meta.EnvironmentReason), Notes: meta.Notes, Docs: meta.Docs, Parameters: meta.Parameters, Source: dir}
	l.errs.Plan = p.Name
	l.checkMeta(metaReader, metaNode, meta)
	if err := l.errs.errOrNil(); err != nil {
		return nil, err
	}
	if opts.MetadataOnly {
		return p, nil
	}
	values, unbound, err := bind(meta.Parameters, opts.Params, opts.Unbound, opts.Environment)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", p.Name, err)
	}
	p.Values, p.Unbound = values, unbound
	l.values, l.placeholders = values, placeholderTexts(unbound)
	metaReader.placeholders = l.placeholders
	for i := range meta.Preflight {
		n := resolve(&meta.Preflight[i])
		metaReader.substitute(n, fmt.Sprintf("preflight[%d]", i), values)
		if g, ok := metaReader.gate(n, fmt.Sprintf("preflight[%d]", i), opts.Registry); ok {
			p.Preflight = append(p.Preflight, g)
			checkPreflightVersions(metaReader, n, fmt.Sprintf("preflight[%d]", i), p.MimirVersions, g)
		}
	}
	p.Steps = l.readSteps(meta.Steps)
	if l.refused != nil {
		return nil, l.refused
	}
	l.checkSteps(p)
	if err := l.errs.errOrNil(); err != nil {
		return nil, err
	}
	return p, nil
}

type loader struct {
	fsys   fs.FS
	dir    string
	opts   LoadOptions
	values ParamValues
	// placeholders are the texts standing for unbound parameters.
	placeholders []string
	errs         *ValidationError
	// refused is a step file's refusal of the parameters, which replaces
	// every other problem: the plan is fine, its input is not.
	refused *ParameterError
}

func (l *loader) readMeta() (*rawPlan, *yaml.Node, *docReader, error) {
	for _, name := range metaFiles {
		file := path.Join(l.dir, name)
		data, err := fs.ReadFile(l.fsys, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read plan metadata %s: %w", file, err)
		}
		docs, r, err := l.parse(file, data, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		if len(docs) != 1 || resolve(docs[0]).Kind != yaml.MappingNode {
			return nil, nil, nil, &ValidationError{Plan: l.dir, Errors: []FieldError{{File: file, Msg: "plan metadata must be one mapping with name, description, parameters"}}}
		}
		var meta rawPlan
		root := resolve(docs[0])
		if !r.decode(root, "", &meta) {
			return nil, nil, nil, r.errs
		}
		return &meta, root, r, nil
	}
	return nil, nil, nil, fmt.Errorf("no plan in %s: expected one of %s", l.dir, strings.Join(metaFiles, ", "))
}

func (l *loader) checkMeta(r *docReader, root *yaml.Node, meta *rawPlan) {
	if !planNameRE.MatchString(meta.Name) {
		r.fail(root, "name", "use lower-case letters, digits and dashes", "plan name %q is not valid", meta.Name)
	}
	for i, k := range meta.Environments {
		if !contains(environmentKinds, k) {
			r.fail(root, fmt.Sprintf("environments[%d]", i), Suggest(k, environmentKinds), "unknown environment kind %q (known: %s)", k, strings.Join(environmentKinds, ", "))
		}
	}
	checkMimirVersions(r, root, meta.MimirVersions)
	seen := map[string]bool{}
	for i, p := range meta.Parameters {
		at := fmt.Sprintf("parameters[%d]", i)
		switch {
		case !paramNameRE.MatchString(p.Name):
			r.fail(root, at+".name", "use letters, digits and underscores, starting with a letter", "parameter name %q is not valid", p.Name)
		case seen[p.Name]:
			r.fail(root, at+".name", "", "duplicate parameter %q", p.Name)
		}
		seen[p.Name] = true
		if !contains(paramTypes, string(p.Type)) {
			r.fail(root, at+".type", Suggest(string(p.Type), paramTypes), "parameter %s has unknown type %q", p.Name, p.Type)
			continue
		}
		if p.Default != nil {
			if _, err := p.normalize(p.Default); err != nil {
				r.fail(root, at+".default", "", "%v", err)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(p.EnvironmentDefaults)) {
			if !contains(environmentKinds, k) {
				r.fail(root, at+".environmentDefaults."+k, Suggest(k, environmentKinds), "unknown environment kind %q", k)
			} else if _, err := p.normalize(p.EnvironmentDefaults[k]); err != nil {
				r.fail(root, at+".environmentDefaults."+k, "", "%v", err)
			}
		}
	}
}

// parse turns a YAML or Jsonnet file into document nodes, with ${param}
// substitution for YAML when values is set.
func (l *loader) parse(file string, data []byte, values ParamValues) ([]*yaml.Node, *docReader, error) {
	r := &docReader{file: file, errs: l.errs, placeholders: l.placeholders}
	if strings.HasSuffix(file, ".jsonnet") || strings.HasSuffix(file, ".libsonnet") {
		r.noLines = true
		out, err := l.evalJsonnet(file, data, values)
		if errors.As(err, &l.refused) {
			return nil, r, err
		}
		if err != nil {
			l.errs.add(FieldError{File: file, Msg: err.Error(), Hint: "fix the Jsonnet error above"})
			return nil, r, l.errs
		}
		data = []byte(out)
	}
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fe := FieldError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: "), Hint: "fix the YAML syntax"}
			if m := lineMsgRE.FindStringSubmatch(fe.Msg); m != nil {
				fe.Line, _ = strconv.Atoi(m[1])
				fe.Msg = m[2]
			}
			l.errs.add(fe)
			return nil, r, l.errs
		}
		if values != nil && !r.noLines {
			r.substitute(&n, "", values)
		}
		docs = append(docs, &n)
	}
	return docs, r, nil
}

// stepFiles lists the step files: those named in the metadata, or every YAML
// and Jsonnet file under steps/ in name order.
func (l *loader) stepFiles(listed []string) []string {
	if len(listed) > 0 {
		out := make([]string, len(listed))
		for i, f := range listed {
			out[i] = path.Join(l.dir, f)
		}
		return out
	}
	entries, err := fs.ReadDir(l.fsys, path.Join(l.dir, stepsDir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".jsonnet")) {
			out = append(out, path.Join(l.dir, stepsDir, n))
		}
	}
	sort.Strings(out)
	return out
}

func (l *loader) readSteps(listed []string) []*Step {
	files := l.stepFiles(listed)
	if len(files) == 0 {
		l.errs.add(FieldError{File: l.dir, Msg: "the plan has no steps", Hint: "add step files under steps/ or list them in steps:"})
		return nil
	}
	var steps []*Step
	for _, file := range files {
		data, err := fs.ReadFile(l.fsys, file)
		if err != nil {
			l.errs.add(FieldError{File: file, Msg: fmt.Sprintf("cannot read step file: %v", err)})
			continue
		}
		docs, r, err := l.parse(file, data, l.values)
		if err != nil {
			continue
		}
		for _, doc := range docs {
			steps = append(steps, l.stepsOf(r, resolve(doc), len(steps))...)
		}
	}
	return steps
}

// stepsOf decodes a document that is one step (a mapping) or a list of steps.
func (l *loader) stepsOf(r *docReader, n *yaml.Node, offset int) []*Step {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil // an empty document, e.g. after a trailing "---"
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []*Step
	for i, item := range items {
		if s, ok := r.step(resolve(item), fmt.Sprintf("steps[%d]", offset+i), l.opts.Registry); ok {
			out = append(out, s)
		}
	}
	return out
}

func (l *loader) checkSteps(p *Plan) {
	seen := map[string]string{}
	for _, s := range p.Steps {
		if prev, dup := seen[s.ID]; dup {
			file, line := splitSource(s.Source)
			l.errs.add(FieldError{File: file, Line: line, Path: "id", Msg: fmt.Sprintf("duplicate step id %q (first defined at %s)", s.ID, prev), Hint: "step ids must be unique in a plan"})
			continue
		}
		seen[s.ID] = s.Source
	}
	l.checkEnvironments(p)
}

func splitSource(src string) (string, int) {
	i := strings.LastIndex(src, ":")
	if i < 0 {
		return src, 0
	}
	var line int
	if _, err := fmt.Sscanf(src[i+1:], "%d", &line); err != nil {
		return src, 0
	}
	return src[:i], line
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Digest identifies the plan's content and parameter values: a run's state
// records it, and a changed plan is refused unless the user allows it.
func (p *Plan) Digest() string {
	b, err := json.Marshal(struct {
		Name   string      `json:"name"`
		Values ParamValues `json:"values"`
		Pre    []GateConfig
		Steps  []*Step `json:"steps"`
	}{p.Name, p.Values, p.Preflight, p.Steps})
	if err != nil {
		// Specs are plain data; a marshalling failure is a programming error.
		panic(fmt.Sprintf("plan digest: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
