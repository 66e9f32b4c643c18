// A tiny stand-in for k8s-libsonnet: constructors with hidden helpers.
{
  util:: {
    // mapToFlags turns {key: value} into sorted '-key=value' arguments.
    mapToFlags(m):: [
      '-%s=%s' % [key, m[key]]
      for key in std.objectFields(m)
      if m[key] != null
    ],
  },

  container:: {
    new(name, image, args):: {
      name: name,
      image: image,
      args: args,
      ports: [{ name: 'http-metrics', containerPort: 8080 }],
    },
  },

  deployment:: {
    new(name, replicas, containers):: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: name, labels: { name: name } },
      spec: {
        replicas: replicas,
        selector: { matchLabels: { name: name } },
        template: {
          metadata: { labels: { name: name } },
          spec: { containers: containers },
        },
        // hidden helper that must survive the overlay's merges
        describe():: 'deployment %s' % name,
      },
      withReplicas(n):: self { spec+: { replicas: n } },
    },
  },

  statefulSet:: {
    new(name, replicas, containers, group=null):: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: name,
        labels: { name: name } + (if group != null then { 'rollout-group': group } else {}),
      },
      spec: {
        replicas: replicas,
        serviceName: name,
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: if group != null then 'OnDelete' else 'RollingUpdate' },
        selector: { matchLabels: { name: name } },
        template: {
          metadata: { labels: { name: name } + (if group != null then { 'rollout-group': group } else {}) },
          spec: { containers: containers },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        }],
      },
    },
  },

  service:: {
    new(name, port):: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: name },
      spec: {
        selector: { name: name },
        ports: [{ name: 'http-metrics', port: port, targetPort: port }],
      },
    },
  },
}
