package tanka

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EvalError is a jsonnet evaluation failure. Its message carries
// go-jsonnet's report, with the file:line:column of every stack frame.
type EvalError struct {
	Entrypoint string
	Report     string
}

func (e *EvalError) Error() string {
	msg := fmt.Sprintf("evaluate %s:\n%s", e.Entrypoint, strings.TrimRight(e.Report, "\n"))
	if e.InOverlay() {
		msg += "\n(the failure involves " + OverlayFile + ": the library may refuse a value a plan step set (an assert, " +
			"or a type it does not expect), or a field the overlay merges into is not an object in this library; " +
			"the frames above name the step's field)"
	}
	return msg
}

// InOverlay reports whether the generated overlay file appears in the
// failure's stack trace.
func (e *EvalError) InOverlay() bool { return strings.Contains(e.Report, OverlayFile+":") }

// MissingImportError is an evaluation that failed because an imported file
// is nowhere on the import path, most often a library that jsonnet-bundler has
// not installed yet.
type MissingImportError struct {
	Import      string
	SearchPaths []string
	Root        string
	// Vendored is true when the project declares dependencies in
	// jsonnetfile.json, so `jb install` is the likely fix.
	Vendored bool
	Eval     *EvalError
}

func (e *MissingImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import %q not found in the environment or its libraries (searched %s)",
		e.Import, strings.Join(e.SearchPaths, ", "))
	if e.Vendored {
		fmt.Fprintf(&b, "; if it comes from jsonnetfile.json, install the vendored libraries with `jb install` in %s", e.Root)
	}
	if e.Eval != nil {
		b.WriteString("\n")
		b.WriteString(e.Eval.Error())
	}
	return b.String()
}

func (e *MissingImportError) Unwrap() error { return e.Eval }

// ErrNoObjects means an environment rendered without a single Kubernetes
// object, which mimirctl refuses to act on (pruning would delete everything).
var ErrNoObjects = errors.New("the environment renders no Kubernetes objects")

// InvalidObjectError is a value in the output tree that is neither a
// Kubernetes object nor an object or array holding some.
type InvalidObjectError struct {
	Path   string // where in the output tree, e.g. ".querier_deployment.spec"
	Reason string
	// OverlayField is set when the path starts at a field the overlay
	// overrides: the library no longer defines it, and the override is all
	// that is left.
	OverlayField string
}

func (e *InvalidObjectError) Error() string {
	msg := fmt.Sprintf("found a value at %s that is not a Kubernetes object: %s", e.Path, e.Reason)
	if e.OverlayField != "" {
		msg += fmt.Sprintf("; %s overrides %s, which the library no longer defines: remove that override (a later step of the plan should)",
			OverlayFile, e.OverlayField)
	}
	return msg
}

// MultipleEnvironmentsError means main.jsonnet holds several inline
// environments and Options.Name did not pick exactly one.
type MultipleEnvironmentsError struct {
	Dir   string
	Name  string
	Names []string
}

func (e *MultipleEnvironmentsError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("%s holds several inline environments (%s): choose one by name", e.Dir, strings.Join(e.Names, ", "))
	}
	return fmt.Sprintf("%s holds several inline environments matching %q (%s): use a more specific name", e.Dir, e.Name, strings.Join(e.Names, ", "))
}

// declaresDependencies reports whether the project's jsonnetfile.json lists
// libraries for jsonnet-bundler.
func declaresDependencies(root string) bool {
	data, err := os.ReadFile(filepath.Join(root, "jsonnetfile.json"))
	return err == nil && strings.Contains(string(data), `"dependencies"`)
}
