// Package suite is mimirctl's end-to-end suite (build tag e2e): real Mimir on
// a real Kubernetes API server, driven through the mimirctl binary. What a
// test only reads to judge the outcome (the recorded run and its lock, plan
// previews, the ingester ring, whether the environment converged) it reads
// in-process through the library, pkg/mimirctl, on the Target the binary's
// --kubeconfig and -n select (target).
//
// It is cluster-agnostic. With MIMIRCTL_E2E_KUBECONFIG and
// MIMIRCTL_E2E_PROMETHEUS_URL set it uses that cluster (e.g. kind, see
// e2e/kind); otherwise it starts the local cluster of e2e/local (root,
// network namespaces) at $MCTL_STATE_DIR, /tmp/mctl-localcluster by default,
// and stops it at the end unless MIMIRCTL_E2E_KEEP=1.
//
// Traffic goes through Services the way a user's load balancer does:
// gateway-write, gateway-read and gateway-backend, reached through the API
// server's service proxy, so the suite needs no route into the pod network.
//
// The scenarios deploy Grafana's Mimir jsonnet library (e2e/grafanalib):
// Mimir 3.0.5 for the zone shutdown and the KV migrations, Mimir 2.16.0 for
// the read-write round trip. Its zone StatefulSets are OnDelete: the
// rollout-operator stand-in's controller rolls them
// (startRolloutController). The Helm scenario installs Grafana's
// mimir-distributed chart of the Mimir 3.0.5 module instead, with Helm's
// SDK and the values of e2e/helm (scenario.InstallHelm).
//
// At the end the suite writes what each mimirctl run that ran steps cost
// (reportCosts): wall-clock and CPU time (rusage), peak RSS (VmHWM
// sampled, runSampled), and, for runs with -o json, each step's time
// split by its JSON events (scenario.StepTimes).
//
// Where the API server runs on this machine, the zone-shutdown scenario and
// the read-write round trip run behind rollout-operator's prepare-downscale
// and no-downscale webhooks with its zone tracker, served by the stand-in of e2e/rolloutoperatorfake (the
// operator's image and Go module cannot be had here); elsewhere it runs
// without them.
package suite
