// Tiny Kubernetes builders in the shape of k8s-libsonnet / ksonnet-util.
//
// Only what mimir-lite itself needs, plus the mixins that Mimir's documented
// jsonnet overrides use, so that snippets such as
//
//   local deployment = (import 'k.libsonnet').apps.v1.deployment;
//   { querier_deployment+: deployment.mixin.spec.withReplicas(0) }
//
// work against this library as they do against the real one. Both the old
// `x.mixin.spec.withReplicas` and the newer `x.spec.withReplicas` spellings
// exist. Every mixin is a plain `+:` merge, so it composes with other merges.
local workload(kind) = {
  local spec = {
    withReplicas(replicas):: { spec+: { replicas: replicas } },
    template:: {
      metadata:: {
        withLabelsMixin(labels):: { spec+: { template+: { metadata+: { labels+: labels } } } },
      },
      spec:: {
        withTerminationGracePeriodSeconds(s):: { spec+: { template+: { spec+: { terminationGracePeriodSeconds: s } } } },
      },
    },
    updateStrategy:: {
      withType(type):: { spec+: { updateStrategy: { type: type } } },
    },
  },
  local metadata = {
    withLabelsMixin(labels):: { metadata+: { labels+: labels } },
    withAnnotationsMixin(annotations):: { metadata+: { annotations+: annotations } },
  },

  new(name, replicas=1, containers=[]):: {
    apiVersion: 'apps/v1',
    kind: kind,
    metadata: { name: name },
    spec: {
      replicas: replicas,
      selector: { matchLabels: { name: name } },
      template: {
        metadata: { labels: { name: name } },
        spec: { containers: containers },
      },
    },
  },
  spec:: spec,
  metadata:: metadata,
  mixin:: { spec:: spec, metadata:: metadata },
};

{
  apps:: {
    v1:: {
      deployment:: workload('Deployment'),
      statefulSet:: workload('StatefulSet'),
    },
  },

  core:: {
    v1:: {
      configMap:: {
        new(name, data={}):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: data },
      },
      namespace:: {
        new(name):: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: name } },
      },
      containerPort:: {
        newNamed(port, name):: { name: name, containerPort: port },
      },
      envVar:: {
        fromFieldPath(name, path):: { name: name, valueFrom: { fieldRef: { fieldPath: path } } },
      },
      service:: {
        new(name, selector, ports):: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: name },
          spec: { selector: selector, ports: ports },
        },
        // Headless: DNS returns every endpoint, which gRPC clients and
        // memberlist need.
        headless:: { spec+: { clusterIP: 'None' } },
      },
    },
  },

  policy:: {
    v1:: {
      podDisruptionBudget:: {
        new(name, selector, maxUnavailable=1):: {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: name },
          spec: { selector: { matchLabels: selector }, maxUnavailable: maxUnavailable },
        },
      },
    },
  },

  autoscaling:: {
    v2:: {
      horizontalPodAutoscaler:: {
        // Scales a Deployment on CPU, standing in for the KEDA ScaledObjects
        // of the real library (KEDA creates an HPA of the same shape).
        new(name, minReplicas, maxReplicas, targetCPU=80):: {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: name },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: name },
            minReplicas: minReplicas,
            maxReplicas: maxReplicas,
            metrics: [{
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCPU } },
            }],
          },
        },
      },
    },
  },
}
