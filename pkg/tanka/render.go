package tanka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Options are the inputs of one render besides the files.
type Options struct {
	// Name selects one inline environment by metadata.name when main.jsonnet
	// holds several (an exact match wins, else a unique substring match).
	Name string
	// ExtStr and ExtCode are external variables (tk --ext-str / --ext-code).
	ExtStr  map[string]string
	ExtCode map[string]string
	// TLAStr and TLACode are top-level arguments (tk --tla-str / --tla-code),
	// for a main.jsonnet that is a function.
	TLAStr  map[string]string
	TLACode map[string]string
	// MaxStack overrides go-jsonnet's stack depth limit when > 0.
	MaxStack int
	// Overlay, when set, is rendered instead of the overlay file on disk
	// (which need not exist), so that a plan can preview a step without
	// writing anything. main.jsonnet must import the overlay (see Init).
	Overlay *Overlay
	// Memo, when set, serves the output of an earlier evaluation with the
	// same inputs and keeps this one's (see Memo).
	Memo *Memo
}

// Result is a rendered environment.
type Result struct {
	// Env is the environment; for inline environments its Spec comes from
	// the selected tanka.dev/Environment object.
	Env *Environment
	// Objects are the Kubernetes objects in Tanka's install order.
	Objects []*unstructured.Unstructured
	// Tree is the evaluated output the objects were extracted from (for an
	// inline environment, the selected environment's data), as JSON values:
	// map[string]any, []any, string, bool, int64, float64 or nil. The
	// objects in it are the maps of Objects (with the namespace, labels and
	// defaults Tanka adds), so a caller can tell which jsonnet field produced
	// an object (e.g. Mimir's querier_deployment) without evaluating twice.
	Tree any
	// Memoized reports that Options.Memo served the evaluation's output.
	Memoized bool
}

// Load finds the environment at path and renders it.
func Load(ctx context.Context, path string, opts Options) (*Result, error) {
	env, err := Find(path)
	if err != nil {
		return nil, err
	}
	return Render(ctx, env, opts)
}

// Render evaluates the environment and extracts its Kubernetes objects.
// It returns *EvalError, *MissingImportError, *InvalidObjectError,
// *MultipleEnvironmentsError or ErrNoObjects (wrapped) for the failures a
// caller may want to tell apart.
func Render(ctx context.Context, env *Environment, opts Options) (*Result, error) {
	tree, memoized, err := evaluate(ctx, env, opts)
	if err != nil {
		return nil, err
	}
	spec := env.Spec
	data := tree
	if env.Inline {
		spec, data, err = selectInline(env, tree, opts.Name)
		if err != nil {
			return nil, err
		}
	}
	extracted, err := extract(data)
	if err != nil {
		return nil, withOverlayHint(env, opts.Overlay, err)
	}
	objs, err := process(extracted, spec)
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", env.Dir, err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("environment %s: %w; check that main.jsonnet returns the library's objects", env.Dir, ErrNoObjects)
	}
	out := &Result{Env: &Environment{Root: env.Root, Dir: env.Dir, Inline: env.Inline, Spec: spec}, Tree: data, Memoized: memoized}
	for _, o := range objs {
		out.Objects = append(out.Objects, &unstructured.Unstructured{Object: o})
	}
	return out, nil
}

// Evaluate runs main.jsonnet with Tanka's import paths, native functions
// and tk.env, and returns the output tree (numbers that are integers become
// int64, as in objects read from the API server).
//
// For an inline environment with Options.Name set, only the tanka.dev
// Environment objects whose metadata.name contains Name are evaluated, as
// `tk --name` does: everything else in the output becomes {} without being
// evaluated, so that an error in another environment (e.g. an ext var only
// it needs) does not stop this one.
//
// go-jsonnet cannot be interrupted: when ctx ends first, Evaluate returns
// ctx.Err() and the evaluation finishes in the background.
func Evaluate(ctx context.Context, env *Environment, opts Options) (any, error) {
	tree, _, err := evaluate(ctx, env, opts)
	return tree, err
}

// evaluate is Evaluate, also reporting whether opts.Memo served the output.
func evaluate(ctx context.Context, env *Environment, opts Options) (any, bool, error) {
	vm, imp, err := newVM(env, opts)
	if err != nil {
		return nil, false, err
	}
	program, err := selectionProgram(env, opts)
	if err != nil {
		return nil, false, err
	}
	key, err := memoKeyOf(env, opts, program, imp)
	if err != nil {
		return nil, false, err
	}
	var tree any
	kept, memoized := opts.Memo.lookup(key, env.ImportPaths(), imp.overlay, imp.overlayPath)
	if memoized && utiljson.Unmarshal([]byte(kept.Output), &tree) == nil {
		_, _ = io.WriteString(os.Stderr, kept.Trace)
		return tree, true, nil
	}
	var trace strings.Builder
	if key != "" {
		imp.recording = true
		vm.SetTraceOut(io.MultiWriter(os.Stderr, &trace))
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		if program == "" {
			out, err := vm.EvaluateFile(env.EntrypointPath())
			done <- result{out, err}
			return
		}
		out, err := vm.EvaluateAnonymousSnippet(filepath.Join(env.Dir, selectionFile), program)
		done <- result{out, err}
	}()
	var r result
	select {
	case <-ctx.Done():
		return nil, false, fmt.Errorf("evaluate %s: %w", env.EntrypointPath(), ctx.Err())
	case r = <-done:
	}
	if r.err != nil {
		return nil, false, evalError(env, imp, r.err)
	}
	if err := utiljson.Unmarshal([]byte(r.out), &tree); err != nil {
		return nil, false, fmt.Errorf("decode the output of %s: %w", env.EntrypointPath(), err)
	}
	// A memo that cannot be written leaves the render as it is.
	if !imp.notKept {
		_ = opts.Memo.store(key, imp.imports, r.out, trace.String())
	}
	return tree, false, nil
}

// selectionFile is the name under which the selection program of an inline
// environment appears in stack traces.
const selectionFile = "<select-inline-environment>"

// jsonnetIdentifier is what a top-level argument's name must look like to be
// passed on by the selection program.
var jsonnetIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// selectionProgram returns the jsonnet program that evaluates only the inline
// environments matching opts.Name, or "" when main.jsonnet is evaluated as
// it is. The program imports main.jsonnet, calls it with the top-level
// arguments when it is a function, and keeps each object that is a
// tanka.dev/Environment named like opts.Name; Lists keep only such items;
// any other object with apiVersion and kind, and any plain value, becomes {}.
func selectionProgram(env *Environment, opts Options) (string, error) {
	if !env.Inline || opts.Name == "" {
		return "", nil
	}
	seen := map[string]bool{}
	var params []string
	for _, m := range []map[string]string{opts.TLAStr, opts.TLACode} {
		for k := range m {
			if !jsonnetIdentifier.MatchString(k) {
				return "", fmt.Errorf("top-level argument %q: not a jsonnet identifier, so no parameter of main.jsonnet can take it", k)
			}
			if !seen[k] {
				seen[k] = true
				params = append(params, k)
			}
		}
	}
	sort.Strings(params)
	args := make([]string, len(params))
	for i, p := range params {
		args[i] = p + "=" + p
	}
	entry, err := json.Marshal(env.EntrypointPath())
	if err != nil {
		return "", err
	}
	name, err := json.Marshal(opts.Name)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`function(%s)
  local entry = import %s;
  local wanted = %s;
  local named(o) =
    std.objectHas(o, 'metadata') && std.isObject(o.metadata) &&
    std.objectHas(o.metadata, 'name') && std.isString(o.metadata.name) &&
    std.length(std.findSubstr(wanted, o.metadata.name)) > 0;
  local isEnv(o) =
    o.kind == 'Environment' && std.isString(o.apiVersion) && std.startsWith(o.apiVersion, 'tanka.dev/');
  local pick(v) =
    if std.isArray(v) then std.map(pick, v)
    else if !std.isObject(v) then {}
    else if !(std.objectHas(v, 'apiVersion') && std.objectHas(v, 'kind')) then std.mapWithKey(function(_, x) pick(x), v)
    else if isEnv(v) then (if named(v) then v else {})
    else if std.objectHas(v, 'items') && std.isArray(v.items) then v { items: [x for x in std.map(pick, v.items) if std.length(x) > 0] }
    else {};
  pick(if std.isFunction(entry) then entry(%s) else entry)
`, strings.Join(params, ", "), entry, name, strings.Join(args, ", ")), nil
}

func newVM(env *Environment, opts Options) (*jsonnet.VM, *importer, error) {
	vm := jsonnet.MakeVM()
	imp := newImporter(env.ImportPaths())
	if opts.Overlay != nil {
		// Without the plan and step in its header: the same evaluation, and
		// the same memo key for the same merges whichever step wrote them.
		// The header keeps its number of lines, so an error's line numbers
		// are those of the file on disk.
		text, err := opts.Overlay.Merges().Jsonnet()
		if err != nil {
			return nil, nil, err
		}
		imp.setOverlay(&text, OverlayPath(env.Dir))
	}
	vm.Importer(imp)
	for _, f := range nativeFuncs(imp) {
		vm.NativeFunction(f)
	}
	for k, v := range opts.ExtStr {
		vm.ExtVar(k, v)
	}
	for k, v := range opts.ExtCode {
		vm.ExtCode(k, v)
	}
	for k, v := range opts.TLAStr {
		vm.TLAVar(k, v)
	}
	for k, v := range opts.TLACode {
		vm.TLACode(k, v)
	}
	if opts.MaxStack > 0 {
		vm.MaxStack = opts.MaxStack
	}
	if env.Inline {
		vm.ExtCode(extVarEnvironment, `error "tk.env and std.extVar('tanka.dev/environment') are only available in static environments (with a spec.json)"`)
		return vm, imp, nil
	}
	spec, err := json.Marshal(env.Spec)
	if err != nil {
		return nil, nil, err
	}
	vm.ExtCode(extVarEnvironment, string(spec))
	return vm, imp, nil
}

func evalError(env *Environment, imp *importer, err error) error {
	e := &EvalError{Entrypoint: env.EntrypointPath(), Report: err.Error()}
	if len(imp.missing) == 0 {
		return e
	}
	return &MissingImportError{
		Import:      imp.missing[len(imp.missing)-1],
		SearchPaths: env.ImportPaths(),
		Root:        env.Root,
		Vendored:    declaresDependencies(env.Root),
		Eval:        e,
	}
}

// withOverlayHint names the overlay override behind an invalid object; ov
// is the overlay rendered (nil: the file on disk).
func withOverlayHint(env *Environment, ov *Overlay, err error) error {
	var inv *InvalidObjectError
	if !errors.As(err, &inv) || env.Inline {
		return fmt.Errorf("environment %s: %w", env.Dir, err)
	}
	if ov == nil {
		ov, _ = ReadOverlay(env.Dir)
	}
	if ov != nil {
		field := topField(inv.Path)
		if _, ok := ov.Objects[field]; ok {
			inv.OverlayField = field
		}
	}
	return fmt.Errorf("environment %s: %w", env.Dir, inv)
}
