local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local jsonnetMode = p.configMode == 'jsonnet';
local helmMode = p.configMode == 'helm';
local kvNames = 'kv_name!="distributor-hatracker"';
local runtimeConfigName = if helmMode then 'runtimeConfig of mimirctl-values.yaml, then upgrade the release with it last (nothing restarts)' else 'the runtime configuration';

// Helm: the values that put every ring of the rings parameter on store
// (its kvstore block, merged into the chart's mimir.structuredConfig), and
// the runtime multi_kv_config of a stage (the chart's runtimeConfig).
local nested(path, v) = std.foldr(function(k, acc) { [k]: acc }, std.split(path, '.'), v);
local ringValues(kvstore) = { mimir: { structuredConfig: std.foldl(
  function(acc, ring) std.mergePatch(acc, nested(ring, { kvstore: kvstore })), p.rings, {}
) } };
local runtimeValues(primary, mirror) = { runtimeConfig: { multi_kv_config: { primary: primary, mirror_enabled: mirror } } };

// A runtime change: the jsonnet knob, the chart's runtimeConfig, or the
// multi KV stage (secondary, mirror, switch, primary, removed) whose
// multi_kv_config mimirctl merges into the runtime-config ConfigMap.
local multiKVStage(stage) = { multiKV: { stage: stage, from: p.oldStore, to: 'memberlist', pods: m.pods(p.ringPods) } };
local runtimeChange(knobs, values, stage) =
  if jsonnetMode then m.jsonnet({ config: knobs, noRollout: true })
  else if helmMode then m.helmValues({ set: values, noRollout: true })
  else multiKVStage(stage);

// Where the rings are not the Mimir jsonnet's (Helm values, or configured
// by hand), what every ring pod's /config and /runtime_config make its
// multi KV clients run.
local configured(name, expect) =
  if jsonnetMode then [] else [{ name: name, multiKV: { pods: m.pods(p.ringPods), expect: expect }, interval: '10s', timeout: '10m' }];

// A change that needs a rollout: the jsonnet knobs, the chart's values, or
// a manual step.
local rollout(knobs, helmChange, instructions) =
  if jsonnetMode then { actions: [m.jsonnet({ config: knobs })] }
  else if helmMode then { actions: [m.helmValues(helmChange)] }
  else { manual: { instructions: instructions } };

local every(name, series, value, pods=p.ringPods, onEmpty=null) =
  m.podMetric(name, pods, series, '==', value, onEmpty=onEmpty, timeout='10m');

// Every Mimir pod of the namespace, labelled as a ring member or not: the
// library does not label every ring client (Mimir jsonnet leaves the
// overrides-exporter out of gossip_ring_member), and a client the selector
// misses would fall back to its flag primary when multi_kv_config goes
// (grafana/mimir#1659).
local mimirPods = { portName: p.metricsPortName };
local multiKV = 'cortex_multikv_primary_store{%s}' % kvNames;

// Grafana's Mimir jsonnet runs rings on Consul or memberlist only: its
// multikv_primary knob takes etcd, but no ring gets etcd endpoints, so every
// ring client would fail to start.
if jsonnetMode && p.oldStore == 'etcd' then error |||
  parameters: oldStore=etcd needs -p configMode=runtime. Grafana's Mimir jsonnet has no etcd ring store
  (multikv_primary: etcd leaves every ring without etcd endpoints). In runtime mode you configure the rings'
  etcd and multi KV flags and roll out yourself (manual steps), mimirctl merges multi_kv_config into the
  runtime-config ConfigMap (overrides, key overrides.yaml) and checks every step; set -p ringPods to a selector
  of your ring pods if they do not carry gossip_ring_member=true.
||| else if std.extVar('mimirctl.environment') == 'helm' && !helmMode then error |||
  parameters: configMode=%s on a Helm release: pass -p configMode=helm (its default on Helm). The chart renders its
  own Mimir configuration and runtime ConfigMap; %s.
||| % [p.configMode, if jsonnetMode then "the jsonnet knobs do not exist there" else "runtime mode would write a ConfigMap the chart does not read, or that its next upgrade overwrites"]
else if helmMode && p.clusterLabel != '' then error |||
  parameters: clusterLabel is not for Helm releases. The mimir-distributed chart runs memberlist before
  this plan (its gossip-ring Service, and every ring left at Mimir's default store), so a label
  set during step 1's rollout would split the members it has already; run the plan without clusterLabel, then the
  memberlist-cluster-label plan, which sets a label without a split.
||| else [
  {
    id: '1-enable-multi-kv',
    title: 'Use the multi KV store with %s primary and memberlist secondary' % p.oldStore,
    why: |||
      Every ring client keeps reading and writing %s, and also runs memberlist, which joins the
      gossip cluster. Nothing is mirrored yet.
    ||| % p.oldStore,
    docs: [{ title: 'Step 1: enable the migration', section: 'multikv_migration_enabled' }],
    gates: [
      m.ready('ring-pods-ready', p.ringPods),
      every('primary-is-' + p.oldStore, 'cortex_multikv_primary_store{store="%s",%s}' % [p.oldStore, kvNames], 1),
    ] + configured('configured-' + p.oldStore + '-primary', { primary: p.oldStore, mirror: false }),
    undo: if jsonnetMode then 'Set multikv_migration_enabled back to false (a rollout).'
    else if helmMode then 'Remove the rings\' kvstore settings from mimirctl-values.yaml (your values put them back on %s) and upgrade the release (a rollout).' % p.oldStore
    else 'Configure every ring back to store: %s and roll out every component.' % p.oldStore,
  } + rollout(
    { multikv_migration_enabled: true, multikv_primary: p.oldStore, multikv_secondary: 'memberlist', memberlist_ring_enabled: true } +
    (if p.clusterLabel == '' then {} else { memberlist_cluster_label: p.clusterLabel }),
    {
      set: ringValues({ store: 'multi', multi: { primary: p.oldStore, secondary: 'memberlist' } }),
      requireRingStores: { pods: mimirPods, store: p.oldStore, rings: p.rings, parameter: 'rings' },
    },
    'Configure every ring (ingester, distributor, store-gateway, compactor, ruler, query-scheduler, alertmanager, overrides-exporter) with store: multi, multi.primary: %s, multi.secondary: memberlist, enable memberlist, and roll out every component.' % p.oldStore
  ),
  {
    id: '2-mirror',
    title: 'Mirror the rings from %s to memberlist' % p.oldStore,
    why: 'Runtime configuration only: every write to %s is copied to memberlist, so memberlist holds the complete rings before it becomes primary.' % p.oldStore,
    docs: [{ title: 'Step 2: enable mirroring', section: 'multikv_mirror_enabled' }],
    actions: [runtimeChange({ multikv_mirror_enabled: true }, runtimeValues(p.oldStore, true), 'mirror')],
    gates: [
      every('mirror-enabled', 'cortex_multikv_mirror_enabled{%s}' % kvNames, 1),
      m.promql('mirror-writes', 'sum(rate(cortex_multikv_mirror_writes_total{%s, %s}[1m]))' % [m.inNamespace, kvNames], '>', 0, forDuration='1m'),
      m.promql('no-mirror-errors', 'sum(increase(cortex_multikv_mirror_write_errors_total{%s, %s}[2m]))' % [m.inNamespace, kvNames], '==', 0, forDuration='1m'),
      { name: 'ring-keys-in-memberlist', memberlist: { pods: m.pods(p.ringPods), keys: p.ringKeys }, interval: '10s', timeout: '5m' },
    ],
    undo: if jsonnetMode then 'Set multikv_mirror_enabled back to false.' else 'Set multi_kv_config.mirror_enabled back to false in ' + runtimeConfigName + '.',
  },
  {
    id: '3-switch-primary',
    title: 'Make memberlist the primary store',
    why: 'Runtime configuration only: rings are read from memberlist, and mirrored back to %s while mirroring is on.' % p.oldStore,
    docs: [{ title: 'Step 3: switch primary and secondary', section: 'multikv_switch_primary_secondary' }],
    actions: [runtimeChange({ multikv_switch_primary_secondary: true }, runtimeValues('memberlist', true), 'switch')],
    gates: [every('primary-is-memberlist', 'cortex_multikv_primary_store{store="memberlist",%s}' % kvNames, 1)],
    undo: if jsonnetMode then 'Set multikv_switch_primary_secondary back to false (mirroring must still be on).' else 'Set multi_kv_config.primary back to %s (mirroring must still be on) in %s.' % [p.oldStore, runtimeConfigName],
  },
  {
    id: '4-stop-mirroring',
    title: 'Stop mirroring to %s' % p.oldStore,
    docs: [{ title: 'Step 4: disable mirroring' }],
    actions: [runtimeChange({ multikv_mirror_enabled: false }, runtimeValues('memberlist', false), 'primary')],
    gates: [every('mirror-disabled', 'cortex_multikv_mirror_enabled{%s}' % kvNames, 0)],
    undo: if jsonnetMode then 'Set multikv_mirror_enabled back to true.' else 'Set multi_kv_config.mirror_enabled back to true in ' + runtimeConfigName + '.',
  },
  {
    id: '5-teardown',
    title: 'Use memberlist only',
    why: |||
      The multi KV store goes away with a rollout. The runtime override stays during the rollout
      (multikv_migration_teardown), so pods not yet rolled keep memberlist as their primary.
      The old store keeps running.
    |||,
    docs: [{ title: 'Step 5: tear down the migration', section: 'multikv_migration_teardown' }],
    gates: [
      m.ready('ring-pods-ready', p.ringPods),
      {
        name: 'multi-kv-gone',
        podMetric: { pods: mimirPods, series: multiKV, of: 'count', op: '==', threshold: 0, onEmpty: 'pass', rolledOut: true },
        interval: '5s',
        timeout: '10m',
        consecutive: 2,
      },
    ] + configured('configured-without-multi-kv', 'none'),
    undo: 'Not reversible by a setting: the rings run memberlist alone and %s no longer has their current state. Going back is a migration the other way (memberlist primary, %s secondary, mirroring, switch), which this plan does not run.' % [p.oldStore, p.oldStore],
  } + rollout(
    { multikv_migration_enabled: false, multikv_migration_teardown: true, consul_enabled: p.oldStore == 'consul' },
    { set: ringValues({ store: 'memberlist' }), remove: ['mimir.structuredConfig.%s.kvstore.multi' % r for r in p.rings] },
    'Configure every ring with store: memberlist (drop multi and %s) and roll out every component; keep multi_kv_config in the runtime configuration until the rollout is complete.' % p.oldStore
  ),
  {
    id: '6-cleanup',
    title: 'Remove the migration settings',
    why: |||
      The migration knobs and the runtime multi_kv_config go; no restart. Reminder, not an
      action: remove %s, its monitoring and its client settings once nothing else uses it.
    ||| % p.oldStore,
    docs: [{ title: 'Step 6: cleanup' }],
    local refuse = { refuseWhile: {
      pods: mimirPods,
      series: multiKV,
      means: 'uses the multi KV store',
      because: 'removing the runtime override now would switch it back to %s' % p.oldStore,
    } },
    actions: [
      if jsonnetMode then m.jsonnet({
        remove: { config: ['multikv_migration_enabled', 'multikv_migration_teardown', 'multikv_switch_primary_secondary',
                           'multikv_mirror_enabled', 'multikv_primary', 'multikv_secondary'] },
        noRollout: true,
      } + refuse)
      else if helmMode then m.helmValues({ remove: ['runtimeConfig.multi_kv_config'], noRollout: true } + refuse)
      else { multiKV: multiKVStage('removed').multiKV + refuse },
    ],
    undo: 'Nothing to undo.',
  },
]
