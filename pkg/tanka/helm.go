package tanka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	yaml "go.yaml.in/yaml/v3"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
)

// helmDefaultNameFormat is the key helmTemplate gives each object unless
// opts.nameFormat says otherwise (Tanka's pkg/helm DefaultNameFormat):
// kind and name in snake case, e.g. "config_map_mimir_runtime".
const helmDefaultNameFormat = `{{ print .kind "_" .metadata.name | snakecase }}`

// helmTemplateOpts is the opts argument of std.native('helmTemplate'), as
// Tanka v0.38's pkg/helm reads it (keys matched case-insensitively, as
// encoding/json matches them; unknown keys ignored).
type helmTemplateOpts struct {
	CalledFrom  string         `json:"calledFrom"`
	NameFormat  string         `json:"nameFormat"`
	Values      map[string]any `json:"values"`
	APIVersions []string       `json:"apiVersions"`
	IncludeCRDs *bool          `json:"includeCrds"`
	SkipTests   bool           `json:"skipTests"`
	KubeVersion string         `json:"kubeVersion"`
	Namespace   string         `json:"namespace"`
	NoHooks     bool           `json:"noHooks"`
}

// helmTemplate is Tanka's std.native('helmTemplate')(name, chart, opts),
// which runs `helm template NAME CHART --values -` (Tanka v0.38's
// pkg/helm), rendered in-process with Helm's SDK instead
// (helmenv.Template): the chart is found at chart relative to the
// directory of opts.calledFrom (required; callers pass std.thisFile);
// opts.values are the values; opts.namespace, kubeVersion, apiVersions,
// includeCrds (default true), skipTests and noHooks are helm template's
// flags. The result is an object of the rendered objects, hooks included
// unless noHooks, each under the key opts.nameFormat gives it (a Go
// template with Sprig's functions over the object; default
// `{{ print .kind "_" .metadata.name | snakecase }}`).
//
// Where helm template would read its own settings, the defaults are
// fixed: namespace "default" (the helm CLI takes the kubeconfig context's)
// and Kubernetes helmenv.DefaultKubeVersion (the helm CLI's own build's).
//
// Errors: arguments of the wrong type, no calledFrom, no chart there, the
// chart's (helmenv.Template), output that is not YAML, a nameFormat that
// does not parse or gives two objects the same key.
func helmTemplate(a []any) (any, error) {
	name, err := stringArg(a, 0, "name")
	if err != nil {
		return nil, err
	}
	chart, err := stringArg(a, 1, "chart")
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(a[2])
	if err != nil {
		return nil, fmt.Errorf("helmTemplate: opts: %w", err)
	}
	var o helmTemplateOpts
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("helmTemplate: opts must be an object of helm template's options: %w", err)
	}
	if o.CalledFrom == "" {
		return nil, errors.New("helmTemplate: opts.calledFrom is unset: pass std.thisFile, so that the chart is found relative to the calling file (as Tanka requires)")
	}
	chartPath := filepath.Join(filepath.Dir(o.CalledFrom), chart)
	if _, err := os.Stat(chartPath); err != nil {
		return nil, fmt.Errorf("helmTemplate: no chart at %s (chart %q relative to %s): %w", chartPath, chart, o.CalledFrom, err)
	}
	includeCRDs := o.IncludeCRDs == nil || *o.IncludeCRDs
	text, err := helmenv.Template(context.Background(), chartPath, helmenv.TemplateOptions{
		Release: name, Namespace: o.Namespace, Values: o.Values,
		Capabilities: helmenv.Capabilities{KubeVersion: o.KubeVersion, APIVersions: o.APIVersions},
		IncludeCRDs:  includeCRDs, SkipTests: o.SkipTests, NoHooks: o.NoHooks,
	})
	if err != nil {
		return nil, fmt.Errorf("helmTemplate: %w", err)
	}
	objs, err := decodeHelmOutput(text)
	if err != nil {
		return nil, fmt.Errorf("helmTemplate: the output of chart %s: %w", chartPath, err)
	}
	return keyedByNameFormat(objs, o.NameFormat)
}

// decodeHelmOutput decodes helm template's YAML documents as Tanka does
// (yaml.v3; empty documents skipped), as values go-jsonnet accepts.
func decodeHelmOutput(text string) ([]map[string]any, error) {
	var out []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if len(doc) == 0 {
			continue
		}
		v, err := toJSONValue(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, v.(map[string]any))
	}
}

// keyedByNameFormat puts each object under the key nameFormat gives it
// (helmDefaultNameFormat when empty), as Tanka's manifest.ListAsMap does.
func keyedByNameFormat(objs []map[string]any, nameFormat string) (map[string]any, error) {
	if nameFormat == "" {
		nameFormat = helmDefaultNameFormat
	}
	tmpl, err := template.New("nameFormat").Funcs(sprig.TxtFuncMap()).Parse(nameFormat)
	if err != nil {
		return nil, fmt.Errorf("helmTemplate: opts.nameFormat %q: %w", nameFormat, err)
	}
	out := make(map[string]any, len(objs))
	for _, o := range objs {
		var key bytes.Buffer
		if err := tmpl.Execute(&key, o); err != nil {
			return nil, fmt.Errorf("helmTemplate: opts.nameFormat %q: %w", nameFormat, err)
		}
		if _, dup := out[key.String()]; dup {
			return nil, fmt.Errorf("helmTemplate: two objects get the key %q from nameFormat %q: use a nameFormat that tells them apart (e.g. with .metadata.namespace)", key.String(), nameFormat)
		}
		out[key.String()] = o
	}
	return out, nil
}
