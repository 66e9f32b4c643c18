package tanka

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/formatter"
	"github.com/google/go-jsonnet/toolutils"

	"github.com/mimirctl/mimirctl/pkg/atomicfile"
)

// overlayImport is the expression Init appends to main.jsonnet.
const overlayImport = "+ (import '" + OverlayFile + "')"

// InitRefusedError explains why Init cannot wire the overlay into an
// environment; the operator has to add the import by hand or restructure
// main.jsonnet.
type InitRefusedError struct {
	File   string
	Reason string
}

func (e *InitRefusedError) Error() string {
	return fmt.Sprintf("cannot add `%s` to %s: %s", overlayImport, e.File, e.Reason)
}

// InitResult says what Init did.
type InitResult struct {
	// Changed is false when main.jsonnet already imported the overlay the
	// way Init adds it.
	Changed bool
	// Main and Overlay are the files involved.
	Main    string
	Overlay string
}

// Init makes the environment's main.jsonnet merge the overlay file last, by
// appending `+ (import 'mimirctl.libsonnet')` to its top-level object
// expression, and creates an empty overlay file when there is none. It
// renders the environment before and after and undoes its change unless the
// objects are identical. It returns *InitRefusedError for environments it
// cannot change safely, and is a no-op on an environment it already changed.
func Init(ctx context.Context, envDir string, opts Options) (*InitResult, error) {
	env, err := Find(envDir)
	if err != nil {
		return nil, err
	}
	main := env.EntrypointPath()
	res := &InitResult{Main: main, Overlay: OverlayPath(env.Dir)}
	src, err := os.ReadFile(main)
	if err != nil {
		return nil, err
	}
	edited, done, err := planEdit(env, string(src))
	if err != nil {
		return nil, err
	}
	if done {
		_, err := ensureEmptyOverlay(env.Dir)
		var refused *InitRefusedError
		if errors.As(err, &refused) {
			err = nil // imported and holding changes: initialised long ago
		}
		return res, err
	}
	if err := checkTopLevel(env, opts); err != nil {
		return nil, err
	}
	before, err := Render(ctx, env, opts)
	if err != nil {
		return nil, fmt.Errorf("render %s before adding the overlay import: %w", env.Dir, err)
	}
	createdOverlay, err := ensureEmptyOverlay(env.Dir)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(main, []byte(edited)); err != nil {
		return nil, err
	}
	if err := sameObjects(ctx, env, opts, before); err != nil {
		restoreErr := atomicfile.WriteFile(main, src)
		if createdOverlay {
			restoreErr = errors.Join(restoreErr, os.Remove(res.Overlay))
		}
		return nil, errors.Join(fmt.Errorf("%s restored: %w", main, err), restoreErr)
	}
	res.Changed = true
	return res, nil
}

// Initialized reports whether main.jsonnet imports the overlay the way Init
// adds it.
func Initialized(envDir string) (bool, error) {
	env, err := Find(envDir)
	if err != nil {
		return false, err
	}
	src, err := os.ReadFile(env.EntrypointPath())
	if err != nil {
		return false, err
	}
	_, done, err := planEdit(env, string(src))
	if err != nil {
		var refused *InitRefusedError
		if errors.As(err, &refused) {
			return false, nil
		}
	}
	return done, err
}

// planEdit returns main.jsonnet with the import added, or done when it is
// already there.
func planEdit(env *Environment, src string) (edited string, done bool, err error) {
	main := env.EntrypointPath()
	if env.Inline {
		return "", false, &InitRefusedError{File: main, Reason: "it is an inline environment (no spec.json): " +
			"add the import to the object under the Environment's data by hand"}
	}
	root, _, err := formatter.SnippetToRawAST(main, src)
	if err != nil {
		return "", false, fmt.Errorf("parse %s: %w", main, err)
	}
	body := topLevelBody(root)
	if isOurImport(body) {
		return "", true, nil
	}
	if n := findOverlayImport(root); n != nil {
		return "", false, &InitRefusedError{File: main, Reason: fmt.Sprintf(
			"it already imports %s in its own way (line %d); mimirctl needs it merged last into the top-level object: "+
				"replace that import with `%s` at the end of the top-level expression", OverlayFile, n.Loc().Begin.Line, overlayImport)}
	}
	switch body.(type) {
	case *ast.Function:
		return "", false, &InitRefusedError{File: main, Reason: "its top-level expression is a function of top-level arguments; " +
			"add the import to the object the function returns by hand"}
	case *ast.Array, *ast.ArrayComp, *ast.LiteralString, *ast.LiteralNumber, *ast.LiteralBoolean, *ast.LiteralNull:
		return "", false, &InitRefusedError{File: main, Reason: "its top-level expression is not an object"}
	}
	begin, end := offset(src, body.Loc().Begin), offset(src, body.Loc().End)
	suffix := "\n" + overlayImport + "  // mimirctl: the plan's generated overrides; keep this last\n"
	if appendable(body) {
		return src[:end] + suffix + src[end:], false, nil
	}
	return src[:begin] + "(" + src[begin:end] + ")" + suffix + src[end:], false, nil
}

// topLevelBody skips the leading locals and asserts of a file.
func topLevelBody(n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.Local:
			n = t.Body
		case *ast.Assert:
			n = t.Rest
		default:
			return n
		}
	}
}

// appendable reports whether `body + x` parses as `(body) + x`. A bare
// import is not: jsonnet's import takes the expression after it, so
// `import 'a' + x` imports the computed path 'a' + x (refused as a
// computed import).
func appendable(n ast.Node) bool {
	switch t := n.(type) {
	case *ast.Binary:
		return t.Op == ast.BopPlus
	case *ast.Object, *ast.ObjectComp, *ast.Apply, *ast.ApplyBrace, *ast.Var, *ast.Index,
		*ast.Parens, *ast.Self, *ast.SuperIndex, *ast.Dollar:
		return true
	}
	return false
}

func isOurImport(n ast.Node) bool {
	b, ok := n.(*ast.Binary)
	if !ok || b.Op != ast.BopPlus {
		return false
	}
	r := b.Right
	if p, ok := r.(*ast.Parens); ok {
		r = p.Inner
	}
	imp, ok := r.(*ast.Import)
	return ok && imp.File != nil && imp.File.Value == OverlayFile
}

func findOverlayImport(n ast.Node) ast.Node {
	if imp, ok := n.(*ast.Import); ok && imp.File != nil && strings.HasSuffix(imp.File.Value, OverlayFile) {
		return imp
	}
	for _, c := range toolutils.Children(n) {
		if found := findOverlayImport(c); found != nil {
			return found
		}
	}
	return nil
}

// offset converts a go-jsonnet location (1-based line, 1-based byte column)
// into a byte offset in src.
func offset(src string, l ast.Location) int {
	off := 0
	for line := 1; line < l.Line; line++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	return min(off+l.Column-1, len(src))
}

func checkTopLevel(env *Environment, opts Options) error {
	vm, _, err := newVM(env, Options{ExtStr: opts.ExtStr, ExtCode: opts.ExtCode, MaxStack: opts.MaxStack})
	if err != nil {
		return err
	}
	probe := fmt.Sprintf("std.type(import %s)", jsonnetString(env.EntrypointPath()))
	out, err := vm.EvaluateAnonymousSnippet("init-probe", probe)
	if err != nil {
		return &EvalError{Entrypoint: env.EntrypointPath(), Report: err.Error()}
	}
	switch kind := strings.Trim(strings.TrimSpace(out), `"`); kind {
	case "object":
		return nil
	case "function":
		return &InitRefusedError{File: env.EntrypointPath(), Reason: "it evaluates to a function of top-level arguments; " +
			"add the import to the object the function returns by hand"}
	default:
		return &InitRefusedError{File: env.EntrypointPath(), Reason: "it evaluates to " + kind + ", not an object"}
	}
}

// ensureEmptyOverlay creates an empty overlay file when there is none, and
// refuses a non-empty one: its changes would make the before/after check fail.
func ensureEmptyOverlay(envDir string) (created bool, err error) {
	path := OverlayPath(envDir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return true, WriteOverlay(envDir, &Overlay{})
	}
	ov, err := ReadOverlay(envDir)
	if err != nil {
		return false, err
	}
	if !ov.IsEmpty() {
		return false, &InitRefusedError{File: path, Reason: "it already holds changes although main.jsonnet does not import it; " +
			"check with `git log` where it came from, remove it or restore the import"}
	}
	return false, nil
}

func sameObjects(ctx context.Context, env *Environment, opts Options, before *Result) error {
	after, err := Render(ctx, env, opts)
	if err != nil {
		return fmt.Errorf("render after adding the overlay import: %w", err)
	}
	if len(after.Objects) != len(before.Objects) {
		return fmt.Errorf("the overlay import changed the rendered objects (%d before, %d after)", len(before.Objects), len(after.Objects))
	}
	for i := range after.Objects {
		if !reflect.DeepEqual(after.Objects[i].Object, before.Objects[i].Object) {
			return fmt.Errorf("the overlay import changed %s %s", after.Objects[i].GetKind(), after.Objects[i].GetName())
		}
	}
	return nil
}
