// The starting point of the KV store migrations (plans ring-kv-to-memberlist
// and ha-tracker-kv-to-memberlist) on Grafana's Mimir 3.0.5 library: every
// hash ring on Consul and the HA tracker on etcd, as a cluster set up before
// memberlist was Mimir's default store. A scenario merges it on top of
// mimir-e2e.libsonnet (WriteTestProject's extra:
// "(import 'mimir-e2e-kv.libsonnet')").
//
// What differs from a production environment, and why:
//   - Consul runs its server container only: the library's Consul (Grafana's
//     jsonnet-libs consul, e2e/grafanalib/compat/consul here) adds a sidekick,
//     a statsd exporter and a consul exporter, images the local cluster does
//     not run; with small requests (library: 4 CPU, 4Gi).
//   - etcd is one member in a StatefulSet of its own with an emptyDir: the
//     2.x library ran the HA tracker's etcd through etcd-operator (an
//     EtcdCluster object and Service etcd-client), which the 3.0 library no
//     longer renders; HA tracker state is short-lived.
{
  local config = $._config,

  _images+:: {
    // The local cluster runs bin/etcd for any image naming etcd.
    etcd: 'quay.io/coreos/etcd:v3.6.4',
  },

  _config+:: {
    // Rings on Consul: the library's own knob (consul_enabled follows it, so
    // the library renders its Consul Deployment and Service).
    memberlist_ring_enabled: false,
    etcd_address: 'etcd.%(namespace)s.svc.%(cluster_domain)s:2379' % config,
  },

  // (The library renders consul as null once nothing uses Consul.)
  consul: if super.consul == null then null else super.consul {
    consul_container+:: $.util.resourcesRequests('50m', '64Mi'),
    consul_deployment+: { spec+: { template+: { spec+: {
      containers: std.filter(function(c) c.name == 'consul', super.containers),
    } } } },
  },

  // The HA tracker on etcd: the 3.0 library hard-codes memberlist, so a
  // cluster that never moved sets its distributor flags itself.
  distributor_args+:: {
    'distributor.ha-tracker.store': 'etcd',
    'distributor.ha-tracker.etcd.endpoints': config.etcd_address,
  },

  local etcdLabels = { name: 'etcd' },
  etcd_statefulset: {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'etcd', namespace: config.namespace },
    spec: {
      replicas: 1,
      serviceName: 'etcd',
      selector: { matchLabels: etcdLabels },
      template: {
        metadata: { labels: etcdLabels },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [{
            name: 'etcd',
            image: $._images.etcd,
            command: ['/usr/local/bin/etcd'],
            args: [
              '--name=$(POD_NAME)',
              '--data-dir=/var/lib/etcd',
              '--listen-client-urls=http://0.0.0.0:2379',
              '--advertise-client-urls=http://$(POD_IP):2379',
              '--listen-peer-urls=http://0.0.0.0:2380',
              '--initial-advertise-peer-urls=http://$(POD_IP):2380',
              '--initial-cluster=$(POD_NAME)=http://$(POD_IP):2380',
              '--log-level=warn',
            ],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            ports: [{ name: 'client', containerPort: 2379 }, { name: 'peer', containerPort: 2380 }],
            readinessProbe: { httpGet: { path: '/health', port: 2379 }, periodSeconds: 5 },
            resources: { requests: { cpu: '50m', memory: '64Mi' } },
            volumeMounts: [{ name: 'etcd-data', mountPath: '/var/lib/etcd' }],
          }],
          volumes: [{ name: 'etcd-data', emptyDir: {} }],
        },
      },
    },
  },
  etcd_service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'etcd', namespace: config.namespace, labels: etcdLabels },
    spec: {
      selector: etcdLabels,
      ports: [{ name: 'etcd-client', port: 2379, targetPort: 2379 }, { name: 'etcd-peer', port: 2380, targetPort: 2380 }],
    },
  },
}
