package mimirctl

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// PlanRef resolves a plan argument: a built-in plan's name, or a directory
// holding plan.yaml / plan.jsonnet (an argument with a path separator or a
// leading dot). It returns the file system and directory to load, and the
// plan's source as a run records it (plan.Plan.Source): the built-in name,
// or the directory's absolute path. An unknown name's error suggests the
// nearest built-in one.
func (t *Target) PlanRef(arg string) (fsys fs.FS, dir, source string, err error) {
	if IsPlanPath(arg) {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			return nil, "", "", fmt.Errorf("plan directory %s: not found; pass a directory with plan.yaml, or the name of a built-in plan (`%s`)", arg, invocation.Command("plans", "list"))
		}
		abs, err := filepath.Abs(arg)
		if err != nil {
			return nil, "", "", err
		}
		return os.DirFS(filepath.Dir(abs)), filepath.Base(abs), abs, nil
	}
	names, err := t.BuiltinNames()
	if err != nil {
		return nil, "", "", err
	}
	for _, n := range names {
		if n == arg {
			return t.BuiltinPlans, arg, arg, nil
		}
	}
	return nil, "", "", fmt.Errorf("no built-in plan %q (%s); a plan of your own is a directory path such as ./myplan", arg, plan.Suggest(arg, names))
}

// IsPlanPath tells a plan directory from a built-in plan's name.
func IsPlanPath(arg string) bool {
	return strings.ContainsRune(arg, os.PathSeparator) || strings.HasPrefix(arg, ".")
}

// BuiltinNames lists the built-in plans (the directories of BuiltinPlans
// holding plan.yaml, plan.yml or plan.jsonnet), sorted.
func (t *Target) BuiltinNames() ([]string, error) {
	entries, err := fs.ReadDir(t.BuiltinPlans, ".")
	if err != nil {
		return nil, fmt.Errorf("read built-in plans: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, m := range []string{"plan.yaml", "plan.yml", "plan.jsonnet"} {
			if _, err := fs.Stat(t.BuiltinPlans, e.Name()+"/"+m); err == nil {
				names = append(names, e.Name())
				break
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// PlanMetadata loads the header of the plan arg names (see PlanRef): its
// name, description, notes, Mimir versions and parameters, with no step
// decoded and no parameter value checked (plan.LoadOptions.MetadataOnly),
// so that it works before the required parameters are known. The result
// has no Steps; its Source is set as LoadPlan sets it. Errors: PlanRef's
// for an unknown argument, and the loader's for a plan.yaml (or
// plan.jsonnet) that does not parse.
func (t *Target) PlanMetadata(arg string) (*plan.Plan, error) {
	return t.LoadPlanWith(arg, plan.LoadOptions{MetadataOnly: true})
}

// BuiltinPlansMetadata loads the header of every built-in plan, as
// PlanMetadata does, sorted by name (see BuiltinNames): what `plans list`
// and `version --plans` show. The error of a plan that does not load is
// "built-in plan NAME: ..." and no list is returned.
func (t *Target) BuiltinPlansMetadata() ([]*plan.Plan, error) {
	names, err := t.BuiltinNames()
	if err != nil {
		return nil, err
	}
	out := make([]*plan.Plan, 0, len(names))
	for _, n := range names {
		p, err := plan.Load(t.BuiltinPlans, n, plan.LoadOptions{Registry: t.Registry(), LibFS: t.BuiltinPlans, MetadataOnly: true})
		if err != nil {
			return nil, fmt.Errorf("built-in plan %s: %w", n, err)
		}
		p.Source = n
		out = append(out, p)
	}
	return out, nil
}

// LoadPlan loads a plan by argument (see PlanRef) with raw parameter
// values (lists comma-separated, as --param takes them).
func (t *Target) LoadPlan(arg string, params map[string]string) (*plan.Plan, error) {
	return t.LoadPlanWith(arg, plan.LoadOptions{Params: params})
}

// LoadPlanWith loads a plan by argument; opts get t's registry and the
// built-in plans as jsonnet library.
func (t *Target) LoadPlanWith(arg string, opts plan.LoadOptions) (*plan.Plan, error) {
	fsys, dir, source, err := t.PlanRef(arg)
	if err != nil {
		return nil, err
	}
	opts.Registry, opts.LibFS = t.Registry(), t.BuiltinPlans
	p, err := plan.Load(fsys, dir, opts)
	if err != nil {
		if ve, ok := plan.AsValidationError(err); ok && IsPlanPath(arg) {
			// The files of a plan of one's own, as the argument names
			// them: Load sees them relative to the directory's parent.
			for i, fe := range ve.Errors {
				if strings.HasPrefix(fe.File, dir+"/") {
					ve.Errors[i].File = filepath.Join(filepath.Dir(filepath.Clean(arg)), filepath.FromSlash(fe.File))
				}
			}
		}
		return nil, err
	}
	p.Source = source
	return p, nil
}

// ReloadPlan loads the plan of a recorded run from its recorded source (a
// built-in plan's name or an absolute directory) with its recorded values,
// for the kind of environment it ran on (plan.LoadOptions.Environment, see
// RecordedEnvironmentKind): step files that differ by kind render as they
// did for the run, so that its digest matches.
func (t *Target) ReloadPlan(source string, values plan.ParamValues, kind string) (*plan.Plan, error) {
	if IsPlanPath(source) {
		if st, err := os.Stat(source); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("its plan directory %s was moved or deleted: put the plan back there, or abandon the run with `%s`", source, invocation.Command("abort"))
		}
	}
	return t.LoadPlanWith(source, plan.LoadOptions{Params: rawValues(values), Environment: kind})
}

// RecordedEnvironmentKind is the kind of environment a run recorded in its
// options (plan.State.Options, see BindOptions.Record): as
// BindOptions.EnvironmentKind.
func RecordedEnvironmentKind(options map[string]string) string {
	var b BindOptions
	if err := b.FillFromRecord(options, nil); err != nil {
		return ""
	}
	return b.EnvironmentKind()
}

func rawValues(values plan.ParamValues) map[string]string {
	out := map[string]string{}
	for k, v := range values {
		switch t := v.(type) {
		case []string:
			out[k] = strings.Join(t, ",")
		case []any:
			parts := make([]string, len(t))
			for i, x := range t {
				parts[i] = fmt.Sprint(x)
			}
			out[k] = strings.Join(parts, ",")
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}
