package tanka

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

// copyProject copies the test project into a temporary directory, so that
// tests may change its files.
func copyProject(t *testing.T) string {
	t.Helper()
	return testkit.CopyTree(t, project)
}

func TestInitAddsTheImportAndIsIdempotent(t *testing.T) {
	dir := copyProject(t)
	env := filepath.Join(dir, "environments", "default")
	res, err := Init(context.Background(), env, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed {
		t.Fatal("Init reported no change on a fresh environment")
	}
	main, _ := os.ReadFile(filepath.Join(env, "main.jsonnet"))
	if !strings.Contains(string(main), "}\n+ (import 'mimirctl.libsonnet')") {
		t.Fatalf("main.jsonnet does not end with the overlay import:\n%s", main)
	}
	if ok, err := Initialized(env); err != nil || !ok {
		t.Fatalf("Initialized = %v, %v after Init", ok, err)
	}
	again, err := Init(context.Background(), env, Options{})
	if err != nil || again.Changed {
		t.Fatalf("a second Init changed something: %+v, %v", again, err)
	}
	main2, _ := os.ReadFile(filepath.Join(env, "main.jsonnet"))
	if string(main2) != string(main) {
		t.Fatal("a second Init rewrote main.jsonnet")
	}
}

func TestInitEdits(t *testing.T) {
	tests := []struct {
		behaviour string
		main      string
		want      string
	}{
		{"a conditional body is wrapped in parentheses before the import is appended",
			"local on = true;\nif on then { cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } } else {}\n",
			"local on = true;\n(if on then { cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } } else {})\n+ (import 'mimirctl.libsonnet')"},
		{"a bare import is wrapped in parentheses: import 'a' + x would import the string 'a' + x",
			"import 'minimimir/mimir.libsonnet'\n",
			"(import 'minimimir/mimir.libsonnet')\n+ (import 'mimirctl.libsonnet')"},
		{"a sum keeps its trailing comment after the appended import",
			"(import 'minimimir/mimir.libsonnet') + { _config+:: {} }  // the env\n",
			"(import 'minimimir/mimir.libsonnet') + { _config+:: {} }\n+ (import 'mimirctl.libsonnet')  // mimirctl: the plan's generated overrides; keep this last\n  // the env\n"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			dir := copyProject(t)
			env := filepath.Join(dir, "environments", "default")
			mustWrite(t, filepath.Join(env, "main.jsonnet"), tt.main)
			if _, err := Init(context.Background(), env, Options{}); err != nil {
				t.Fatal(err)
			}
			main, _ := os.ReadFile(filepath.Join(env, "main.jsonnet"))
			if !strings.Contains(string(main), tt.want) {
				t.Fatalf("main.jsonnet:\n%s\nwant it to contain:\n%s", main, tt.want)
			}
		})
	}
}

func TestInitRefusals(t *testing.T) {
	tests := []struct {
		behaviour string
		env       string
		main      string // replaces main.jsonnet when set
		overlay   string // written as mimirctl.libsonnet when set
		reason    string
	}{
		{"a function of top-level arguments", "tla", "", "", "function of top-level arguments"},
		{"an inline environment", "inline", "", "", "inline environment"},
		{"a main.jsonnet that already imports the overlay its own way", "default",
			"(import 'minimimir/mimir.libsonnet') + { x: import 'mimirctl.libsonnet' }", "", "already imports mimirctl.libsonnet in its own way (line 1)"},
		{"a top-level expression that is an array", "default", "[]", "", "not an object"},
		{"a local that evaluates to a function", "default", "local f = function(a) {}; f", "", "evaluates to a function"},
		{"an existing overlay that holds changes", "default", "",
			mustJsonnetText(&Overlay{Config: map[string]any{"deployment_mode": "migration"}}), "already holds changes"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			dir := copyProject(t)
			env := filepath.Join(dir, "environments", tt.env)
			if tt.main != "" {
				mustWrite(t, filepath.Join(env, "main.jsonnet"), tt.main)
			}
			if tt.overlay != "" {
				mustWrite(t, filepath.Join(env, OverlayFile), tt.overlay)
			}
			before, _ := os.ReadFile(filepath.Join(env, "main.jsonnet"))
			_, err := Init(context.Background(), env, Options{})
			var refused *InitRefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("want a refusal saying %q, got %v", tt.reason, err)
			}
			if !strings.Contains(err.Error(), env) {
				t.Fatalf("the refusal does not name the file: %v", err)
			}
			after, _ := os.ReadFile(filepath.Join(env, "main.jsonnet"))
			if string(after) != string(before) {
				t.Fatal("a refused Init changed main.jsonnet")
			}
		})
	}
}

func TestInitRestoresMainWhenTheObjectsChange(t *testing.T) {
	dir := copyProject(t)
	env := filepath.Join(dir, "environments", "default")
	// An environment whose objects depend on main.jsonnet's own text.
	main := "{ cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' },\n" +
		"        data: { size: std.toString(std.length(importstr 'main.jsonnet')) } } }\n"
	mustWrite(t, filepath.Join(env, "main.jsonnet"), main)
	_, err := Init(context.Background(), env, Options{})
	if err == nil || !strings.Contains(err.Error(), "changed ConfigMap x") {
		t.Fatalf("want Init to refuse an import that changes the objects, got %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(env, "main.jsonnet"))
	if string(after) != main {
		t.Fatalf("main.jsonnet was not restored:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(env, OverlayFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the overlay file Init created was left behind: %v", err)
	}
}

func mustJsonnetText(o *Overlay) string {
	text, err := o.Jsonnet()
	if err != nil {
		panic(err)
	}
	return text
}
