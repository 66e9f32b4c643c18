// A single Consul agent in dev mode (in-memory server), for rings on Consul
// and a Consul HA tracker. The real library runs a Consul server with an
// exporter; Mimir only needs the HTTP API on 8500.
local k = import 'k.libsonnet';

{
  local c = $._config,

  consul_container:: {
    name: 'consul',
    image: $._images.consul,
    imagePullPolicy: 'IfNotPresent',
    // The image's entrypoint adds the data and config directories.
    args: ['agent', '-dev', '-client=0.0.0.0', '-log-level=warn'],
    ports: [{ name: 'http', containerPort: 8500 }],
    readinessProbe: {
      httpGet: { path: '/v1/status/leader', port: 8500 },
      initialDelaySeconds: 2,
      periodSeconds: 5,
      timeoutSeconds: 5,
    },
    resources: { requests: c.container_requests },
  },

  consul_deployment: if !c.consul_enabled then null else
    k.apps.v1.deployment.new('consul', 1, [$.consul_container]) + {
      spec+: { template+: { spec+: { terminationGracePeriodSeconds: 10 } } },
    },

  consul_service: if !c.consul_enabled then null else
    k.core.v1.service.new('consul', { name: 'consul' }, [{ name: 'consul-http', port: 8500, targetPort: 8500 }]),
}
