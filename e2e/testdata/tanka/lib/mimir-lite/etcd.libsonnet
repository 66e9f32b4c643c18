// A one-member etcd for the HA tracker on etcd. The real library runs an
// etcd-operator cluster (Service etcd-client); one StatefulSet and Service
// `etcd` hold the same role here. HA tracker state is short-lived, so the
// data lives in an emptyDir.
local k = import 'k.libsonnet';

{
  local c = $._config,

  etcd_container:: {
    name: 'etcd',
    image: $._images.etcd,
    imagePullPolicy: 'IfNotPresent',
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
    env: $.util.podEnv,
    ports: [{ name: 'client', containerPort: 2379 }, { name: 'peer', containerPort: 2380 }],
    readinessProbe: {
      httpGet: { path: '/health', port: 2379 },
      initialDelaySeconds: 2,
      periodSeconds: 5,
      timeoutSeconds: 5,
    },
    resources: { requests: c.container_requests },
    volumeMounts: [{ name: 'etcd-data', mountPath: '/var/lib/etcd' }],
  },

  etcd_statefulset: if !c.etcd_enabled then null else
    k.apps.v1.statefulSet.new('etcd', 1, [$.etcd_container]) + {
      spec+: {
        serviceName: 'etcd',
        template+: { spec+: {
          terminationGracePeriodSeconds: 10,
          volumes: [{ name: 'etcd-data', emptyDir: {} }],
        } },
      },
    },

  etcd_service: if !c.etcd_enabled then null else
    k.core.v1.service.new('etcd', { name: 'etcd' }, [
      { name: 'etcd-client', port: 2379, targetPort: 2379 },
      { name: 'etcd-peer', port: 2380, targetPort: 2380 },
    ]),
}
