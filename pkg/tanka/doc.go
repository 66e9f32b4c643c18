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
//     regexSubst, escapeStringRegex); helmTemplate renders the chart
//     in-process with Helm's SDK (pkg/helmenv) instead of running helm;
//     kustomizeBuild refuses with an explanation because it would run
//     kustomize;
//   - the spec is read as Tanka reads spec.json: the deprecated top-level
//     namespace, server and team fields fill spec.namespace, spec.apiServer
//     and metadata.labels.team when those are unset, and then, as in Tanka,
//     metadata.namespace stays empty and apiServer keeps no scheme (this
//     changes the default tanka.dev/environment label, so it must match
//     what `tk apply` wrote); otherwise an apiServer without a scheme, in
//     spec.json or in an inline environment, gets https://;
//   - objects are every value with a string apiVersion and kind found while
//     walking the output tree (objects and arrays, at any depth); a null
//     field of an object is skipped, a null in an array is refused; *List
//     kinds are unwrapped, Lists inside Lists too, and each item must be a
//     Kubernetes object; the environment's namespace, injectLabels and
//     resourceDefaults are applied; the order is Tanka's install order;
//   - the tanka.dev/environment label hashes the fields named by
//     spec.tankaEnvLabelFromFields as text, bools and numbers included (see
//     Spec.NameLabel);
//   - with Options.Name, only the inline environments named like it are
//     evaluated, so another environment's failure does not stop this one.
//
// The reference is Tanka v0.38.0 (github.com/grafana/tanka): its `tk show`
// is compared with Render in TestRenderMatchesRealTanka and
// TestCase13MatchesRealTanka, which CI runs with the tk that
// e2e/local/tools/build.sh builds. pkg/tanka departs from it on purpose where
// tk's result would be unsafe for a tool that applies and prunes, or is a bug:
//
//   - two objects with the same kind, namespace and name are refused; tk
//     prints both, and applying them would let the second overwrite the first;
//   - an environment that renders no objects is refused; tk prints nothing,
//     and pruning after it would delete everything;
//   - spec.expectVersions is not checked (pkg/tanka is not a Tanka version);
//     run tk itself to have the constraint enforced;
//   - only kind Environment with an apiVersion under tanka.dev/ is an
//     inline environment; tk takes any kind Environment, so it refuses a
//     static environment that renders a custom resource of that kind and
//     renders a non-Tanka Environment object as if it were one;
//   - a label source under a map (e.g. .metadata.labels.cluster) is looked
//     up by its key, and one that does not exist is refused; tk takes some
//     key of the map (its label changes between runs) or crashes;
//   - objects named only by metadata.generateName, with metadata.name null,
//     are rendered; tk crashes while sorting them;
//   - a List item and a top-level object need a non-empty apiVersion and
//     kind; tk accepts empty strings in List items.
//
// Two smaller differences remain: the entrypoint is always main.jsonnet (tk
// also accepts another file of the environment directory as the path), and
// with Options.Name an inline environment inside a List is still found (tk's
// --name filter drops Lists).
// The overlay (see Overlay) is one generated file, mimirctl.libsonnet, that
// main.jsonnet imports. It holds plain jsonnet merges, so rendering it needs no
// particular library and `tk apply` gives the same result as mimirctl.
package tanka
