// Package engine is where plans meet the cluster. It only registers the
// action and gate kinds step files may use (Registry), binds each spec to
// the package named after what the kind touches (Binder: envchange for the
// Tanka environment, workloads, podhttp, ingestershutdown, kvmigrate,
// ringcheck, podmetrics, mimirapi, storequery, promgate), giving each the
// Deps it needs from the run's clients and options, and runs the preflight
// checks a plan needs before its first step. It implements no kind itself:
// a kind is a Spec (Validate, Describe) and a constructor in its package.
package engine
