// Package tanka renders Tanka environments in-process with go-jsonnet and
// manages the generated overlay file through which mimirctl changes an
// environment's configuration.
//
// Rendering follows Tanka's rules, so that mimirctl sees the same objects as a
// colleague running `tk show` or `tk apply` on the same checkout:
//
//   - the project root is the nearest directory above the environment holding
//     tkrc.yaml, else jsonnetfile.json;
//   - the environment is the directory holding main.jsonnet; with a spec.json it
//     is a static environment, without one main.jsonnet must evaluate to inline
//     tanka.dev/Environment objects whose data holds the Kubernetes objects;
//   - imports are searched in the importing file's directory, then the
//     environment directory, <root>/lib, <env>/vendor and <root>/vendor;
//     `import "tk"` yields tk.env (static environments only);
//   - Tanka's native functions are available (parseJson, parseYaml,
//     manifestJsonFromJson, manifestYamlFromJson, sha256, regexMatch,
//     regexSubst, escapeStringRegex); helmTemplate and kustomizeBuild refuse
//     with an explanation because they would run external programs;
//   - objects are every value with a string apiVersion and kind found while
//     walking the output tree (objects and arrays, at any depth); *List kinds
//     are unwrapped; the environment's namespace, injectLabels and
//     resourceDefaults are applied; the order is Tanka's install order.
//
// The overlay (see Overlay) is one generated file, mimirctl.libsonnet, that
// main.jsonnet imports. It holds plain jsonnet merges, so rendering it needs no
// particular library and `tk apply` gives the same result as mimirctl.
package tanka
