package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/google/go-jsonnet"
)

// libDir is the directory of a plan tree holding shared Jsonnet libraries.
const libDir = "lib"

// EnvironmentExtVar is the Jsonnet external variable that holds the kind of
// environment a plan is loaded for (LoadOptions.Environment: "tanka",
// "helm", or "" when none was given), so that a step file can refuse
// parameters that do not fit it.
const EnvironmentExtVar = "mimirctl.environment"

// evalJsonnet evaluates a Jsonnet step or metadata file. Every parameter is an
// external variable holding its typed value (std.extVar('zones')), the whole
// set is std.extVar('params'), a file whose top level is a function
// receives them as the top-level argument `params`, and
// std.extVar('mimirctl.environment') is the kind of environment.
func (l *loader) evalJsonnet(file string, src []byte, values ParamValues) (string, error) {
	vm := jsonnet.MakeVM()
	vm.Importer(&fsImporter{fsys: l.fsys, roots: []string{path.Dir(file), libDir}, extra: l.opts.LibFS, cache: map[string]jsonnet.Contents{}})
	all, err := json.Marshal(values)
	if err != nil {
		return "", fmt.Errorf("encode parameters: %w", err)
	}
	if values == nil {
		all = []byte("{}")
	}
	vm.ExtCode("params", string(all))
	vm.TLACode("params", string(all))
	vm.ExtVar(EnvironmentExtVar, l.opts.Environment)
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b, err := json.Marshal(values[k])
		if err != nil {
			return "", fmt.Errorf("encode parameter %s: %w", k, err)
		}
		vm.ExtCode(k, string(b))
	}
	errs := &keptError{ErrorFormatter: vm.ErrorFormatter}
	vm.ErrorFormatter = errs
	out, err := vm.EvaluateAnonymousSnippet(file, string(src))
	var rt jsonnet.RuntimeError
	if err != nil && errors.As(errs.last, &rt) {
		if msg, ok := strings.CutPrefix(rt.Msg, parameterErrorPrefix); ok {
			return "", &ParameterError{Plan: l.dir, File: file, Msg: strings.TrimSpace(msg)}
		}
	}
	if err != nil {
		return "", errors.New(strings.TrimSpace(err.Error()))
	}
	return out, nil
}

// keptError is go-jsonnet's error formatter, keeping the error it formats
// (the VM returns only the text).
type keptError struct {
	jsonnet.ErrorFormatter
	last error
}

func (k *keptError) Format(err error) string {
	k.last = err
	return k.ErrorFormatter.Format(err)
}

// fsImporter resolves Jsonnet imports inside an fs.FS: relative to the
// importing file, then under each root, then in the extra library FS.
type fsImporter struct {
	fsys  fs.FS
	roots []string
	extra fs.FS
	cache map[string]jsonnet.Contents
}

func (im *fsImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	var candidates []string
	if importedFrom != "" {
		candidates = append(candidates, path.Join(path.Dir(importedFrom), importedPath))
	}
	for _, r := range im.roots {
		candidates = append(candidates, path.Join(r, importedPath))
	}
	for _, c := range candidates {
		if got, ok := im.read(im.fsys, c, c); ok {
			return got, c, nil
		}
	}
	if im.extra != nil {
		c := path.Join(libDir, importedPath)
		if got, ok := im.read(im.extra, c, "builtin:"+c); ok {
			return got, "builtin:" + c, nil
		}
	}
	return jsonnet.Contents{}, "", fmt.Errorf("import %q not found (looked in %s)", importedPath, strings.Join(candidates, ", "))
}

func (im *fsImporter) read(fsys fs.FS, name, key string) (jsonnet.Contents, bool) {
	if c, ok := im.cache[key]; ok {
		return c, true
	}
	b, err := fs.ReadFile(fsys, path.Clean(name))
	if err != nil {
		return jsonnet.Contents{}, false
	}
	c := jsonnet.MakeContentsRaw(b)
	im.cache[key] = c
	return c, true
}
