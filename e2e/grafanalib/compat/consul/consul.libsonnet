// A compatible stand-in for grafana/jsonnet-libs' consul/consul.libsonnet,
// written for the conformance harness: a Consul server Deployment with a
// sidekick, a statsd exporter (Consul's telemetry as Prometheus metrics) and
// a consul exporter, its ConfigMap, Service and the sidekick's RBAC. Mimir's
// consul.libsonnet extends consul_config, consul_container, consul_exporter
// and consul_deployment; the rest is what Mimir's generated manifests show.
local k = import 'ksonnet-util/kausal.libsonnet';

{
  local container = k.core.v1.container,
  local containerPort = k.core.v1.containerPort,
  local deployment = k.apps.v1.deployment,

  _config+:: {
    consul_replicas: 3,
    namespace: error 'consul: set _config.namespace',
  },

  _images+:: {
    consul: 'consul:1.5.3',
    consulSidekick: 'weaveworks/consul-sidekick:master-f18ad13',
    statsdExporter: 'prom/statsd-exporter:v0.12.2',
    consulExporter: 'prom/consul-exporter:v0.5.0',
  },

  // Consul's agent configuration, sent to the statsd exporter beside it.
  consul_config:: {
    telemetry: { dogstatsd_addr: '127.0.0.1:9125' },
    leave_on_terminate: true,
  },

  // statsd-exporter rules turning Consul's dotted metric names into
  // Prometheus metrics with labels (match, name, labels; printed in that order).
  local rule(match, name, labels={}) = { match: match, name: name, labels: labels },
  local dotted(n, fmt) = std.join('.', [fmt % i for i in std.range(1, n)]),
  local stars(n) = std.join('.', ['*' for _ in std.range(1, n)]),
  consul_statsd_mappings:: [
    rule('consul.*.runtime.*', 'consul_runtime', { type: '$2' }),
    rule('consul.runtime.total_gc_pause_ns', 'consul_runtime_total_gc_pause_ns', { type: '$2' }),
  ] + [
    rule('consul.consul.health.service.query-tag.' + stars(n), 'consul_health_service_query_tag', { query: dotted(n, '$%d') })
    for n in std.range(3, 12)
  ] + [
    rule('consul.consul.catalog.deregister', 'consul_catalog_deregister'),
    rule('consul.consul.dns.domain_query.' + stars(5), 'consul_dns_domain_query', { query: dotted(5, '$%d') }),
    rule('consul.consul.health.service.not-found.*', 'consul_health_service_not_found', { query: '$1' }),
    rule('consul.consul.health.service.query.*', 'consul_health_service_query', { query: '$1' }),
    rule('consul.*.memberlist.health.score', 'consul_memberlist_health_score'),
    rule('consul.serf.queue.*', 'consul_serf_events', { type: '$1' }),
    rule('consul.serf.snapshot.appendLine', 'consul_serf_snapshot_appendLine', { type: '$1' }),
    rule('consul.serf.coordinate.adjustment-ms', 'consul_serf_coordinate_adjustment_ms'),
    rule('consul.consul.rpc.query', 'consul_rpc_query'),
    rule('consul.*.consul.session_ttl.active', 'consul_session_ttl_active'),
    rule('consul.raft.rpc.*', 'consul_raft_rpc', { type: '$1' }),
    rule('consul.raft.rpc.appendEntries.storeLogs', 'consul_raft_rpc_appendEntries_storeLogs', { type: '$1' }),
    rule('consul.consul.fsm.persist', 'consul_fsm_persist'),
    rule('consul.raft.fsm.apply', 'consul_raft_fsm_apply'),
    rule('consul.raft.leader.lastContact', 'consul_raft_leader_lastcontact'),
    rule('consul.raft.leader.dispatchLog', 'consul_raft_leader_dispatchLog'),
    rule('consul.raft.commitTime', 'consul_raft_commitTime'),
  ] + [
    rule('consul.raft.replication.%s.%s' % [m, stars(4)], 'consul_raft_replication_' + std.strReplace(m, '.', '_'), { query: dotted(4, '${%d}') })
    for m in ['appendEntries.logs', 'appendEntries.rpc', 'heartbeat']
  ] + [
    rule('consul.consul.rpc.request', 'consul_rpc_requests'),
    rule('consul.consul.rpc.accept_conn', 'consul_rpc_accept_conn'),
    rule('consul.memberlist.udp.*', 'consul_memberlist_udp', { type: '$1' }),
    rule('consul.memberlist.tcp.*', 'consul_memberlist_tcp', { type: '$1' }),
    rule('consul.memberlist.gossip', 'consul_memberlist_gossip'),
    rule('consul.memberlist.probeNode', 'consul_memberlist_probenode'),
    rule('consul.memberlist.pushPullNode', 'consul_memberlist_pushpullnode'),
  ] + [
    rule('consul.http.' + stars(n), 'consul_http_request', {
      method: '$1',
      path: '/' + std.join('/', ['$%d' % i for i in std.range(2, n)]),
    })
    for n in std.range(1, 5)
  ] + [
    rule('consul.consul.%s' % m, 'consul_%s' % std.strReplace(std.strReplace(m, '.', '_'), '-', '_'))
    for m in [
      'leader.barrier',
      'leader.reconcileMember',
      'leader.reconcile',
      'fsm.coordinate.batch-update',
      'fsm.autopilot',
      'fsm.kvs.cas',
      'fsm.register',
      'fsm.deregister',
      'fsm.tombstone.reap',
      'catalog.register',
      'catalog.deregister',
      'leader.reapTombstones',
    ]
  ],

  local yamlRule(r) =
    '- match: %s\n  name: %s\n' % [r.match, r.name] +
    (if r.labels == {} then '  labels: {}\n'
     else '  labels:\n' + std.join('', ['    %s: %s\n' % [l, r.labels[l]] for l in std.objectFields(r.labels)])),

  consul_config_map:
    k.core.v1.configMap.new('consul') +
    k.core.v1.configMap.withData({
      'consul-config.json': std.toString($.consul_config),
      mapping: 'mappings:\n' + std.join('', [yamlRule(r) for r in $.consul_statsd_mappings]),
    }),

  consul_container::
    container.new('consul', $._images.consul) +
    container.withPorts([
      containerPort.new('server', 8300),
      containerPort.new('serf', 8301),
      containerPort.new('client', 8400),
      containerPort.new('api', 8500),
    ]) +
    container.withArgs([
      'agent',
      '-ui',
      '-server',
      '-client=0.0.0.0',
      '-config-file=/etc/config/consul-config.json',
      '-bootstrap-expect=%d' % $._config.consul_replicas,
    ]) +
    container.withEnvMap({ CHECKPOINT_DISABLE: '1' }),

  consul_sidekick::
    container.new('sidekick', $._images.consulSidekick) +
    container.withArgs(['--namespace=$(POD_NAMESPACE)', '--pod-name=$(POD_NAME)']) +
    container.withEnv([
      k.core.v1.envVar.fromFieldPath('POD_NAMESPACE', 'metadata.namespace'),
      k.core.v1.envVar.fromFieldPath('POD_NAME', 'metadata.name'),
    ]),

  consul_statsd_exporter::
    container.new('statsd-exporter', $._images.statsdExporter) +
    container.withPorts([containerPort.new('http-metrics', 8000)]) +
    container.withArgs(['--web.listen-address=:8000', '--statsd.mapping-config=/etc/config/mapping']),

  consul_exporter::
    container.new('consul-exporter', $._images.consulExporter) +
    container.withPorts([containerPort.new('http-metrics', 9107)]) +
    container.withArgs(['--consul.server=localhost:8500', '--web.listen-address=:9107', '--consul.timeout=1s']),

  consul_deployment:
    deployment.new('consul', $._config.consul_replicas, [
      $.consul_container,
      $.consul_sidekick,
      $.consul_statsd_exporter,
      $.consul_exporter,
    ]) +
    // Pods restart when the ConfigMap changes (the hash of its JSON text).
    deployment.spec.template.metadata.withAnnotationsMixin({ 'consul-hash': std.md5(std.toString($.consul_config_map)) }) +
    k.util.configVolumeMount('consul', '/etc/config') +
    k.util.antiAffinity +
    deployment.spec.template.spec.withServiceAccount('consul-sidekick'),

  consul_service:
    k.util.serviceFor($.consul_deployment),

  consul_sidekick_service_account:
    k.core.v1.serviceAccount.new('consul-sidekick'),

  consul_sidekick_role:
    k.rbac.v1.role.new('consul-sidekick') +
    k.rbac.v1.role.withRules([
      k.rbac.v1.policyRule.withApiGroups(['', 'extensions', 'apps']) +
      k.rbac.v1.policyRule.withResources(['pods', 'replicasets']) +
      k.rbac.v1.policyRule.withVerbs(['get', 'list', 'watch']),
    ]),

  consul_sidekick_role_binding:
    k.rbac.v1.roleBinding.new('consul-sidekick') +
    k.rbac.v1.roleBinding.roleRef.withApiGroup('rbac.authorization.k8s.io') +
    k.rbac.v1.roleBinding.roleRef.withKind('Role') +
    k.rbac.v1.roleBinding.roleRef.withName('consul-sidekick') +
    k.rbac.v1.roleBinding.withSubjects([
      k.rbac.v1.subject.withKind('ServiceAccount') +
      k.rbac.v1.subject.withName('consul-sidekick') +
      k.rbac.v1.subject.withNamespace($._config.namespace),
    ]),
}
