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
] + (if p.rulerRemoteEvaluation then [{
       id: '5.2-ruler-remote-evaluation-on',
       title: 'Turn ruler remote evaluation back on',
       why: 'Only the microservice ruler evaluates rules now, so it may use its own query path again.',
       actions: [m.jsonnet({ config: { ruler_remote_evaluation_enabled: true } })],
       // The ruler's own query path (Grafana's library renders it with remote
       // evaluation) must serve before the step is done.
       gates: [m.ready('ruler-query-path-ready', m.nameIn(['ruler-querier', 'ruler-query-frontend']))],
       undo: 'Set ruler_remote_evaluation_enabled to false.',
     }] else [])
