// mimir-lite: a small jsonnet library for Grafana Mimir on Kubernetes that
// models the knobs, object names and labels of Mimir's own jsonnet
// (operations/mimir) that mimirctl's plans use, for tests on a local
// cluster. See ../../README.md for the knobs and how it differs.
//
//   (import 'mimir-lite/mimir.libsonnet') + { _config+:: { namespace: 'mimir' } }
local k = import 'k.libsonnet';

k +
(import 'config.libsonnet') +
(import 'asserts.libsonnet') +
(import 'util.libsonnet') +
(import 'common.libsonnet') +
(import 'kv.libsonnet') +
(import 'overrides.libsonnet') +
(import 'consul.libsonnet') +
(import 'etcd.libsonnet') +

// Microservices.
(import 'distributor.libsonnet') +
(import 'ingester.libsonnet') +
(import 'querier.libsonnet') +
(import 'query-frontend.libsonnet') +
(import 'query-scheduler.libsonnet') +
(import 'store-gateway.libsonnet') +
(import 'compactor.libsonnet') +
(import 'ruler.libsonnet') +
(import 'ruler-remote-evaluation.libsonnet') +
(import 'overrides-exporter.libsonnet') +

// Read-write mode, built from the microservices' args.
(import 'read-write/write.libsonnet') +
(import 'read-write/read.libsonnet') +
(import 'read-write/backend.libsonnet') +

(import 'autoscaling.libsonnet') +
{
  namespace: if !$._config.create_namespace then null else k.core.v1.namespace.new($._config.namespace),
}
