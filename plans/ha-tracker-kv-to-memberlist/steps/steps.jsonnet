local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local kv = 'kv_name="distributor-hatracker"';

// The HA tracker's store settings, as distributor flags: Grafana's Mimir
// jsonnet sets the store in distributor_args and has no _config knob for
// it; the mimir-distributed chart gets them as distributor.extraArgs (one
// -key=value flag each, after the chart's own), which changes only the
// distributors' pod template, whereas mimir.structuredConfig would change
// the checksum of the configuration every component rolls on.
local flags(s) = {
  'distributor.ha-tracker.store': s.store,
  'distributor.ha-tracker.multi.primary': std.get(s, 'primary', p.oldStore),
  'distributor.ha-tracker.multi.secondary': std.get(s, 'secondary', 'memberlist'),
  'distributor.ha-tracker.multi.mirror-enabled': std.get(s, 'mirror', false),
};
local store(s) = [
  m.jsonnet({ hidden: { [f]: flags(s) for f in p.argsFields } }),
  m.helmValues({ set: { distributor: { extraArgs: flags(s) } } }),
];

local metric(name, series, value, onEmpty=null) = m.podMetric(name, p.distributorPods, series, '==', value, onEmpty=onEmpty, timeout='10m');
local agree = {
  name: 'distributors-agree',
  haTracker: { pods: m.pods(p.distributorPods), minPods: p.distributors },
  interval: '10s',
  timeout: '10m',
  consecutive: 3,
};
local ready = m.ready('distributors-ready', p.distributorPods, minPods=p.distributors);
// The HA tracker's multi KV settings every distributor's /config shows: the
// stage's primary and mirroring, or no multi store (expect: none).
local configured(expect) = {
  name: 'ha-tracker-configured',
  multiKV: { pods: m.pods(p.distributorPods), minPods: p.distributors, kv: 'haTracker', expect: expect },
  interval: '10s',
  timeout: '10m',
};

[
  {
    id: '1-multi-kv',
    title: 'Use the multi KV store: %s primary, memberlist secondary, no mirroring' % p.oldStore,
    why: 'A distributor rollout. Distributors join memberlist and expose /memberlist; the HA tracker still lives in %s.' % p.oldStore,
    docs: [{ title: 'Configure multi KV store' }],
    actions: store({ store: 'multi' }),
    gates: [ready, configured({ primary: p.oldStore, mirror: false }), metric('primary-is-' + p.oldStore, 'cortex_multikv_primary_store{store="%s",%s}' % [p.oldStore, kv], 1), agree],
    undo: 'Set the HA tracker store back to %s (a rollout).' % p.oldStore,
  },
  {
    id: '2-mirror',
    title: 'Mirror the HA tracker from %s to memberlist' % p.oldStore,
    docs: [{ title: 'Enable KV store mirroring' }],
    actions: store({ store: 'multi', mirror: true }),
    gates: [
      ready,
      configured({ primary: p.oldStore, mirror: true }),
      metric('mirror-enabled', 'cortex_multikv_mirror_enabled{%s}' % kv, 1),
      m.podMetric('mirror-writes', p.distributorPods, 'cortex_multikv_mirror_writes_total{%s}' % kv, '>', 0, timeout='10m'),
      metric('no-mirror-errors', 'cortex_multikv_mirror_write_errors_total{%s}' % kv, 0),
      { name: 'ha-tracker-keys-in-memberlist', memberlist: { pods: m.pods(p.distributorPods), minPods: p.distributors, keys: ['.*ha[-_]tracker.*|.*prom_ha/.+'] }, interval: '10s', timeout: '10m' },
      agree,
    ],
    undo: 'Turn mirroring off again (a rollout).',
  },
  {
    id: '3-switch-primary',
    title: 'Make memberlist the primary HA-tracker store',
    why: 'Distributors read the elected replicas from memberlist and mirror updates back to %s.' % p.oldStore,
    docs: [{ title: 'Switch to memberlist as the primary store' }],
    actions: store({ store: 'multi', primary: 'memberlist', secondary: p.oldStore, mirror: true }),
    gates: [ready, configured({ primary: 'memberlist', mirror: true }), metric('primary-is-memberlist', 'cortex_multikv_primary_store{store="memberlist",%s}' % kv, 1), agree],
    undo: 'Switch the primary back to %s, keeping mirroring on (a rollout).' % p.oldStore,
  },
  {
    id: '4-stop-mirroring',
    title: 'Stop mirroring to %s' % p.oldStore,
    docs: [{ title: 'Disable mirroring' }],
    actions: store({ store: 'multi', primary: 'memberlist', secondary: p.oldStore, mirror: false }),
    gates: [ready, configured({ primary: 'memberlist', mirror: false }), metric('mirror-disabled', 'cortex_multikv_mirror_enabled{%s}' % kv, 0), agree],
    undo: 'Turn mirroring back on (a rollout).',
  },
  {
    id: '5-memberlist-only',
    title: 'Use memberlist only for the HA tracker',
    why: 'The multi KV wrapper goes; its metrics disappear. Reminder, not an action: remove %s once nothing else uses it.' % p.oldStore,
    docs: [{ title: 'Remove multi KV store configuration' }, { title: 'Cleanup' }],
    actions: store({ store: 'memberlist', primary: 'memberlist', secondary: p.oldStore }),
    gates: [
      ready,
      configured('none'),
      { name: 'store-is-memberlist', config: { pods: m.pods(p.distributorPods), minPods: p.distributors, key: 'distributor.ha_tracker.kvstore.store', equals: 'memberlist' }, interval: '5s', timeout: '10m' },
      // Every Mimir pod, not only distributorPods: mimir-write pods run the
      // HA tracker too (read-write and migration modes), and a pod still
      // starting or on the old revision is not "gone" yet.
      {
        name: 'multi-kv-gone',
        podMetric: { pods: { portName: p.metricsPortName }, series: 'cortex_multikv_primary_store{%s}' % kv, of: 'count', op: '==', threshold: 0, onEmpty: 'pass', rolledOut: true },
        interval: '5s',
        timeout: '10m',
        consecutive: 2,
      },
      agree,
    ],
    undo: 'Run this plan again from step 1.',
  },
]
