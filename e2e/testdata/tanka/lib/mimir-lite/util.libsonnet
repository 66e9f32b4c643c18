// Builders shared by every component: flags from maps, the Mimir container
// and pod, Deployments and StatefulSets with the real library's labels, zone
// StatefulSets, and the Services and PodDisruptionBudgets in front of them.
local k = import 'k.libsonnet';

{
  local c = $._config,

  util:: {
    httpPort:: 8080,
    grpcPort:: 9095,
    gossipPort:: 7946,

    // The Mimir major version an image runs: _config.mimir_major_version,
    // else the first number of a grafana/mimir tag, else 2.
    majorVersion(image)::
      local parts = std.split(image, ':');
      local tag = if std.length(parts) == 2 then parts[1] else '';
      if c.mimir_major_version != null then c.mimir_major_version
      else if std.length(tag) > 0 && std.member('0123456789', tag[0]) then std.parseInt(std.split(tag, '.')[0])
      else 2,

    // {'a.b': 1, x: null} → ['-a.b=1'], sorted by flag name. A null value
    // drops a flag, so an override can remove one the library sets.
    // (Concatenation, not %: go-jsonnet formats in jsonnet, and this runs
    // for every flag of every container.)
    mapToFlags(map):: [
      '-' + key + '=' + std.toString(map[key])
      for key in std.objectFields(map)
      if map[key] != null
    ],

    defaultPorts:: [
      k.core.v1.containerPort.newNamed($.util.httpPort, 'http-metrics'),
      k.core.v1.containerPort.newNamed($.util.grpcPort, 'grpc'),
    ],
    gossipPorts:: [k.core.v1.containerPort.newNamed($.util.gossipPort, 'gossip-ring')],

    // The pod's own name and address, for ring instance ids and addresses:
    // Mimir would otherwise pick them from the hostname and eth0, which is
    // right on most clusters but not something to rely on.
    podEnv:: [
      k.core.v1.envVar.fromFieldPath('POD_NAME', 'metadata.name'),
      k.core.v1.envVar.fromFieldPath('POD_IP', 'status.podIP'),
    ],

    readinessProbe:: {
      httpGet: { path: '/ready', port: $.util.httpPort },
      // Generous: the test machine has two cores for a whole cluster.
      initialDelaySeconds: 5,
      periodSeconds: 5,
      timeoutSeconds: 5,
    },

    // A Mimir container; dataVolume is mounted at /data when given.
    mimirContainer(name, image, args, ports, dataVolume=null):: {
      name: name,
      image: image,
      imagePullPolicy: 'IfNotPresent',
      args: $.util.mapToFlags(args),
      env: $.util.podEnv,
      ports: ports,
      readinessProbe: $.util.readinessProbe,
      resources: { requests: c.container_requests },
      volumeMounts: [
        { name: 'overrides', mountPath: c.overrides_configmap_mountpoint },
        { name: 'object-storage', mountPath: c.storage_mount_path },
      ] + (if dataVolume == null then [] else [{ name: dataVolume, mountPath: '/data' }]),
    },

    // Every Mimir pod mounts the runtime config and the shared bucket.
    mimirPodSpec(containers):: {
      containers: containers,
      terminationGracePeriodSeconds: c.termination_grace_period_seconds,
      volumes: [
        { name: 'overrides', configMap: { name: c.overrides_configmap } },
        { name: 'object-storage', hostPath: { path: c.storage_host_path, type: 'DirectoryOrCreate' } },
      ],
    },

    // Pods that gossip carry this label; the gossip-ring Service selects it.
    gossipLabels(member):: if member then { gossip_ring_member: 'true' } else {},

    // A Deployment; replicas null leaves them to an autoscaler.
    mimirDeployment(name, replicas, container, gossip=false):: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: name },
      spec: {
        [if replicas != null then 'replicas']: replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { name: name } },
        // One extra pod at a time and none missing: single replicas roll
        // without a gap.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { name: name } + $.util.gossipLabels(gossip) },
          spec: $.util.mimirPodSpec([container]) + {
            topologySpreadConstraints: [{
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { name: name } },
            }],
          },
        },
      },
    },

    dataClaim(name, size):: {
      metadata: { name: name },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: size } },
        [if c.data_disk_class != null then 'storageClassName']: c.data_disk_class,
      },
    },

    // A StatefulSet with its PVC template mounted at /data. Pods start in
    // parallel: Mimir's own readiness, not pod order, gates them.
    mimirStatefulSet(name, replicas, container, claim, gossip=false, labels={ name: name }):: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: name },
      spec: {
        replicas: replicas,
        serviceName: name,
        podManagementPolicy: 'Parallel',
        revisionHistoryLimit: 10,
        selector: { matchLabels: labels },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: labels + $.util.gossipLabels(gossip) },
          spec: $.util.mimirPodSpec([container]),
        },
        volumeClaimTemplates: [claim],
      },
    },

    // No two pods of name on one node.
    antiAffinity(name):: {
      spec+: { template+: { spec+: { affinity+: { podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{
          labelSelector: { matchLabels: { name: name } },
          topologyKey: 'kubernetes.io/hostname',
        }],
      } } } } },
    },

    // One zone of a rollout group (ingester-zone-a, mimir-write-zone-b, ...):
    // labels and annotation for rollout-operator, pods of different zones
    // never on one node, and pods of zone-x on nodes of zone-x.
    zoneStatefulSet(group, zone, replicas, container, claim, maxUnavailable, gossip)::
      local name = '%s-%s' % [group, zone];
      local labels = { name: name, 'rollout-group': group };
      $.util.mimirStatefulSet(name, replicas, container, claim, gossip, labels) + {
        metadata+: {
          labels: labels,
          annotations: { 'rollout-max-unavailable': std.toString(maxUnavailable) },
        },
        spec+: {
          updateStrategy: { type: c.multi_zone_update_strategy },
          template+: { spec+: { affinity: {
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{
              labelSelector: { matchExpressions: [
                { key: 'rollout-group', operator: 'In', values: [group] },
                { key: 'name', operator: 'NotIn', values: [name] },
              ] },
              topologyKey: 'kubernetes.io/hostname',
            }] },
          } + (if c.multi_zone_node_label == null then {} else {
                 nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{
                   matchExpressions: [{ key: c.multi_zone_node_label, operator: 'In', values: [zone] }],
                 }] } },
               }) } },
        },
      },

    servicePorts(container):: [
      { name: container.name + '-' + p.name, port: p.containerPort, targetPort: p.containerPort }
      for p in container.ports
    ],

    // A Service selecting workload's pods, named after it.
    serviceFor(workload, headless=false)::
      k.core.v1.service.new(
        workload.metadata.name,
        workload.spec.selector.matchLabels,
        $.util.servicePorts(workload.spec.template.spec.containers[0]),
      ) + (if headless then k.core.v1.service.headless else {}),

    // A Service over every zone of a rollout group.
    rolloutGroupService(group, statefulSet)::
      k.core.v1.service.new(group, { 'rollout-group': group }, $.util.servicePorts(statefulSet.spec.template.spec.containers[0])),

    // Headless and listing pods before they are ready: for clients that
    // must find every instance (query-scheduler discovery, memberlist).
    discoveryService(name, workload)::
      $.util.serviceFor(workload, headless=true) + {
        metadata+: { name: name },
        spec+: { publishNotReadyAddresses: true },
      },

    rolloutGroupPDB(group)::
      k.policy.v1.podDisruptionBudget.new('%s-rollout-pdb' % group, { 'rollout-group': group }),
  },
}
