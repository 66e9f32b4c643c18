// Package plans embeds mimirctl's built-in plans: one directory per plan
// (plan.yaml or plan.jsonnet, and step files under steps/), and lib/ with the
// Jsonnet helpers they share. The step-file format is described in README.md.
package plans

import "embed"

// FS holds the built-in plans.
//
//go:embed README.md lib */plan.yaml */steps
var FS embed.FS
