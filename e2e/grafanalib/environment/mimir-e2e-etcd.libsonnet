// An etcd for the HA tracker of the e2e environments on Grafana's Mimir
// library (e2e/grafanalib): one member in a StatefulSet with an emptyDir,
// at Service etcd (_config.etcd_address). The 2.x library runs the HA
// tracker's etcd through etcd-operator (an EtcdCluster object, Service
// etcd-client), which the local cluster cannot run; the 3.0 library no
// longer renders one. HA tracker state is short-lived, so an emptyDir
// serves. Merged by mimir-e2e-kv.libsonnet and mimir-e2e-2.16.libsonnet.
{
  local config = $._config,

  _images+:: {
    // The local cluster runs bin/etcd for any image naming etcd.
    etcd: 'quay.io/coreos/etcd:v3.6.4',
  },

  _config+:: {
    etcd_address: 'etcd.%(namespace)s.svc.%(cluster_domain)s:2379' % config,
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
