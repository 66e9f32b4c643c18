// Package engine is where plans meet the cluster: it registers every action
// and gate kind that step files may use, and binds their specs to the
// domain packages that carry them out (tanka, kube, diff, ringcheck,
// promgate, podmetrics, mimirapi, ingestershutdown, kvmigrate).
package engine
