local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local backends = ['mimir-backend-' + z for z in zones];
local storeGateways = ['store-gateway-' + z for z in zones];
local gone(ring, micro, name) = m.ring(name, ring, m.nameIn(micro), [m.left(b) for b in backends] + [m.joined(micro[0])]);
[
  {
    id: '5.1-scale-down-read-backend',
    title: 'Scale mimir-read and mimir-backend to 0',
    actions: [m.jsonnet({
      config: { mimir_read_replicas: 0, autoscaling_mimir_read_enabled: false, mimir_backend_replicas: 0 },
      destructive: true,
    })],
    gates: [
      gone('query-scheduler', ['query-scheduler'], 'mimir-backend-left-query-scheduler-ring'),
      gone('compactor', ['compactor'], 'mimir-backend-left-compactor-ring'),
      gone('ruler', ['ruler'], 'mimir-backend-left-ruler-ring'),
      gone('store-gateway', storeGateways, 'mimir-backend-left-store-gateway-ring'),
    ],
    undo: 'Set mimir_read_replicas and mimir_backend_replicas back.',
  },
  if p.rulerRemoteEvaluation then {
    id: '5.2-ruler-remote-evaluation-on',
    title: 'Turn ruler remote evaluation back on',
    why: |||
      Only the microservice ruler evaluates rules now, so it may use its own query path again.
      Ruler-querier autoscaling, which microservices-to-read-write turned off, is the
      environment's own setting again.
    |||,
    actions: [m.jsonnet({
      config: { ruler_remote_evaluation_enabled: true },
      remove: { config: ['autoscaling_ruler_querier_enabled'] },
    })],
    // The ruler's own query path (Grafana's library renders it with remote
    // evaluation) must serve before the step is done.
    gates: [m.ready('ruler-query-path-ready', m.nameIn(['ruler-querier', 'ruler-query-frontend']))],
    undo: 'Set ruler_remote_evaluation_enabled to false.',
  } else {
    // Step 1 (and microservices-to-read-write before it) pinned these in
    // mimirctl.libsonnet; leaving them there would silently drop the ruler's
    // query path of an environment that evaluated rules remotely.
    id: '5.2-ruler-settings-back',
    title: "Give ruler remote evaluation and ruler-querier autoscaling back to the environment",
    why: |||
      Step 1 turned ruler remote evaluation off for the migration, and microservices-to-read-write
      turned ruler-querier autoscaling off as well. With mimir-backend's ruler gone,
      mimirctl.libsonnet stops overriding them and the environment's own settings apply again:
      an environment that evaluated rules remotely gets ruler-querier, ruler-query-frontend and
      ruler-query-scheduler back (-p rulerRemoteEvaluation=true turns it on whatever the
      environment says).
    |||,
    actions: [m.jsonnet({ remove: { config: ['ruler_remote_evaluation_enabled', 'autoscaling_ruler_querier_enabled'] } })],
    undo: 'Set ruler_remote_evaluation_enabled and autoscaling_ruler_querier_enabled to false in mimirctl.libsonnet.',
  },
]
