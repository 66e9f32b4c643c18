// A compatible stand-in for grafana/jsonnet-libs' etcd-operator/etcd-cluster.libsonnet,
// written for the conformance harness: etcd_cluster(name, ...) returns the
// EtcdCluster custom resource (etcd.database.coreos.com/v1beta2) that Mimir's
// etcd.libsonnet renders for the HA tracker, as its generated manifests show.
{
  etcd_cluster(name, size=3, version='3.3.13', env=[]):: {
    apiVersion: 'etcd.database.coreos.com/v1beta2',
    kind: 'EtcdCluster',
    metadata: {
      name: name,
      annotations: { 'etcd.database.coreos.com/scope': 'clusterwide' },
    },
    spec: {
      size: size,
      version: version,
      pod: {
        labels: { name: name },
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '2379' },
        etcdEnv: env,
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{
          labelSelector: { matchLabels: { etcd_cluster: name } },
          topologyKey: 'kubernetes.io/hostname',
        }] } },
        resources: {
          limits: { memory: '512Mi' },
          requests: { cpu: '500m', memory: '512Mi' },
        },
      },
    },
  },
}
