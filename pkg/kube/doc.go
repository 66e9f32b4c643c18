// Package kube is mimirctl's access to the Kubernetes API: building clients
// from a kubeconfig, server-side apply with the mimirctl field manager,
// pruning what a step removes, waiting for rollouts (including OnDelete
// StatefulSets rolled by Grafana's rollout-operator), scaling, changing
// Mimir's runtime configuration and checking that pods serve it, detecting
// admission webhooks that may refuse a step, and waiting for an external
// pipeline to make the cluster match (--apply-mode=external).
//
// Functions take a context and the clients they need (kubernetes.Interface,
// dynamic.Interface, a meta.RESTMapper, a podaccess.Doer, a clock) so that
// tests pass fakes. Calls to the API server are retried with backoff only
// for transient failures: timeouts, 429, 5xx, and optimistic-concurrency
// conflicts (never server-side apply field conflicts or admission refusals).
//
// Label and annotation keys live in labels.go.
package kube
