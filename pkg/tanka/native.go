package tanka

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	yaml "go.yaml.in/yaml/v3"
)

// nativeFuncs are the functions Tanka offers through std.native, with the
// same names, parameters and results. imp is the evaluation's importer:
// helmTemplate reads a chart's files, which are no imports a Memo could
// check, so an evaluation that calls it is not kept (importer.notKept).
func nativeFuncs(imp *importer) []*jsonnet.NativeFunction {
	return []*jsonnet.NativeFunction{
		native("parseJson", []string{"json"}, parseJSON),
		native("parseYaml", []string{"yaml"}, parseYAML),
		native("manifestJsonFromJson", []string{"json", "indent"}, manifestJSONFromJSON),
		native("manifestYamlFromJson", []string{"json"}, manifestYAMLFromJSON),
		native("escapeStringRegex", []string{"str"}, func(a []any) (any, error) {
			s, err := stringArg(a, 0, "str")
			return regexp.QuoteMeta(s), err
		}),
		native("regexMatch", []string{"regex", "string"}, regexMatch),
		native("regexSubst", []string{"regex", "src", "repl"}, regexSubst),
		native("sha256", []string{"str"}, func(a []any) (any, error) {
			s, err := stringArg(a, 0, "str")
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:]), err
		}),
		native("helmTemplate", []string{"name", "chart", "opts"}, func(a []any) (any, error) {
			imp.notKept = true
			return helmTemplate(a)
		}),
		native("kustomizeBuild", []string{"path", "opts"}, refuse("kustomizeBuild", "kustomize build")),
	}
}

func native(name string, params []string, f func([]any) (any, error)) *jsonnet.NativeFunction {
	ids := make(ast.Identifiers, len(params))
	for i, p := range params {
		ids[i] = ast.Identifier(p)
	}
	return &jsonnet.NativeFunction{Name: name, Params: ids, Func: f}
}

func stringArg(args []any, i int, name string) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %q must be a string, got %T", name, args[i])
	}
	return s, nil
}

func refuse(name, command string) func([]any) (any, error) {
	return func([]any) (any, error) {
		return nil, fmt.Errorf("std.native(%q) is not supported by mimirctl: it would run `%s`; "+
			"render this environment with `tk` instead, or vendor the chart's output as plain jsonnet", name, command)
	}
}

func parseJSON(a []any) (any, error) {
	s, err := stringArg(a, 0, "json")
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal([]byte(s), &out)
}

// parseYAML returns every document of a YAML stream, as an array.
func parseYAML(a []any) (any, error) {
	s, err := stringArg(a, 0, "yaml")
	if err != nil {
		return nil, err
	}
	out := []any{}
	dec := yaml.NewDecoder(strings.NewReader(s))
	for {
		var doc any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("parsing yaml: %w", err)
		}
		asJSON, err := toJSONValue(doc)
		if err != nil {
			return nil, fmt.Errorf("converting yaml to json: %w", err)
		}
		out = append(out, asJSON)
	}
}

// toJSONValue converts a decoded value to the types go-jsonnet accepts.
func toJSONValue(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(raw, &out)
}

func manifestJSONFromJSON(a []any) (any, error) {
	s, err := stringArg(a, 0, "json")
	if err != nil {
		return nil, err
	}
	indent, ok := a[1].(float64)
	if !ok {
		return nil, fmt.Errorf("argument \"indent\" must be a number, got %T", a[1])
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace([]byte(s)), "", strings.Repeat(" ", int(indent))); err != nil {
		return nil, err
	}
	buf.WriteString("\n")
	return buf.String(), nil
}

func manifestYAMLFromJSON(a []any) (any, error) {
	s, err := stringArg(a, 0, "json")
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(v)
	return string(out), err
}

func regexMatch(a []any) (any, error) {
	re, err := stringArg(a, 0, "regex")
	if err != nil {
		return nil, err
	}
	s, err := stringArg(a, 1, "string")
	if err != nil {
		return nil, err
	}
	return regexp.MatchString(re, s)
}

func regexSubst(a []any) (any, error) {
	re, err := stringArg(a, 0, "regex")
	if err != nil {
		return nil, err
	}
	src, err := stringArg(a, 1, "src")
	if err != nil {
		return nil, err
	}
	repl, err := stringArg(a, 2, "repl")
	if err != nil {
		return nil, err
	}
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, err
	}
	return r.ReplaceAllString(src, repl), nil
}
