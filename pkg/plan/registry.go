package plan

import "sort"

// ActionKind describes one action kind that step files may use.
type ActionKind struct {
	// Name is the key written in step files, e.g. "scale".
	Name string
	// Summary is one line for `mimirctl plans kinds` and error hints.
	Summary string
	// New returns a zero spec to decode into.
	New func() ActionSpec
}

// GateKind describes one gate kind that step files may use.
type GateKind struct {
	Name    string
	Summary string
	New     func() GateSpec
}

// Registry is the vocabulary of action and gate kinds a loader accepts.
type Registry struct {
	actions map[string]ActionKind
	gates   map[string]GateKind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{actions: map[string]ActionKind{}, gates: map[string]GateKind{}}
}

// AddAction registers an action kind; a later registration of the same name
// replaces the earlier one.
func (r *Registry) AddAction(k ActionKind) *Registry {
	r.actions[k.Name] = k
	return r
}

// AddGate registers a gate kind.
func (r *Registry) AddGate(k GateKind) *Registry {
	r.gates[k.Name] = k
	return r
}

// ActionKinds lists the registered action kinds by name.
func (r *Registry) ActionKinds() []ActionKind {
	out := make([]ActionKind, 0, len(r.actions))
	for _, k := range r.actions {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// GateKinds lists the registered gate kinds by name.
func (r *Registry) GateKinds() []GateKind {
	out := make([]GateKind, 0, len(r.gates))
	for _, k := range r.gates {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (r *Registry) actionNames() []string {
	names := make([]string, 0, len(r.actions))
	for n := range r.actions {
		names = append(names, n)
	}
	return names
}

func (r *Registry) gateNames() []string {
	names := make([]string, 0, len(r.gates))
	for n := range r.gates {
		names = append(names, n)
	}
	return names
}
