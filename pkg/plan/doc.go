// Package plan loads, validates and executes mimirctl plans.
//
// # Overview
//
// A plan is an ordered list of steps read from declarative step files (YAML,
// or Jsonnet evaluated with go-jsonnet). Each step has actions (typed changes,
// each with a check "is it already done?" and an apply), gates (typed checks
// with a pass, fail or inconclusive verdict), an optional wait whose deadline
// is persisted, an optional manual instruction that pauses the run until
// someone approves it, and an undo hint.
//
// The action and gate vocabularies are not fixed here: a [Registry] maps kind
// names (the keys written in step files) to spec types, and a [Binder] turns
// decoded specs into runnable [Action] and [Gate] values. The executor only
// knows those interfaces, so it is tested with fakes and injected clocks.
//
// # State and locking
//
// The [Executor] persists a [State] after every action through a [Store]
// (a ConfigMap in the Mimir namespace, or a local file) so that a run stopped
// at any point resumes exactly where it was, and takes a [Locker] lock so that
// one run at a time acts on a Mimir cluster.
package plan
