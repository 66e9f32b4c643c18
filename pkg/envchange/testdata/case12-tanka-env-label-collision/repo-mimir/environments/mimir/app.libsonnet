// A tiny stand-in for the Mimir jsonnet library: two workloads whose
// replicas and args follow _config, and a component that deployment_mode
// removes.
{
  _config+:: {
    deployment_mode: 'microservices',
    querier_replicas: 2,
    write_replicas: 0,
  },
  querier_args:: { 'querier.query-store-after': '12h' },

  deployment(name, replicas, args):: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: name, namespace: 'mimir' },
    spec: {
      replicas: replicas,
      selector: { matchLabels: { name: name } },
      template: {
        metadata: { labels: { name: name } },
        spec: { containers: [{ name: name, image: 'grafana/mimir:2.9.0', args: ['-%s=%s' % [k, args[k]] for k in std.objectFields(args)] }] },
      },
    },
  },

  querier_deployment: if $._config.deployment_mode != 'read-write' then $.deployment('querier', $._config.querier_replicas, $.querier_args) else null,
  mimir_write_deployment: $.deployment('mimir-write', $._config.write_replicas, {}),
}
