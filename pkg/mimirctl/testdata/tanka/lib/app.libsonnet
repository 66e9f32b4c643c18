// A tiny stand-in for the Mimir jsonnet library, for the package's
// examples and tests: a querier and the mimir-read Deployment that takes
// over its work in read-write mode (diff.DefaultPairs pairs them), with
// different querier settings.
{
  _config+:: {
    querier_replicas: 2,
    read_replicas: 3,
  },

  deployment(name, replicas, args):: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: name, namespace: 'mimir' },
    spec: {
      replicas: replicas,
      selector: { matchLabels: { name: name } },
      template: {
        metadata: { labels: { name: name } },
        spec: { containers: [{ name: 'mimir', image: 'grafana/mimir:2.9.0', args: ['-%s=%s' % [k, args[k]] for k in std.objectFields(args)] }] },
      },
    },
  },

  querier_deployment: $.deployment('querier', $._config.querier_replicas, { target: 'querier', 'querier.max-concurrent': '8' }),
  mimir_read_deployment: $.deployment('mimir-read', $._config.read_replicas, { target: 'read', 'querier.max-concurrent': '16' }),
}
