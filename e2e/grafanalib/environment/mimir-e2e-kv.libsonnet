// The starting point of the KV store migrations (plans ring-kv-to-memberlist
// and ha-tracker-kv-to-memberlist) on Grafana's Mimir 3.0.5 library: every
// hash ring on Consul and the HA tracker on etcd, as a cluster set up before
// memberlist was Mimir's default store. A scenario merges it on top of
// mimir-e2e.libsonnet (WriteTestProject's extra:
// "(import 'mimir-e2e-kv.libsonnet')").
//
// What differs from a production environment, and why:
//   - Consul runs its server container only: the library's Consul (Grafana's
//     jsonnet-libs consul, e2e/grafanalib/compat/consul here) adds a sidekick,
//     a statsd exporter and a consul exporter, images the local cluster does
//     not run; with small requests (library: 4 CPU, 4Gi).
//   - etcd is mimir-e2e-etcd.libsonnet's (one member, an emptyDir).
(import 'mimir-e2e-etcd.libsonnet') + {
  local config = $._config,

  _config+:: {
    // Rings on Consul: the library's own knob (consul_enabled follows it, so
    // the library renders its Consul Deployment and Service).
    memberlist_ring_enabled: false,
  },

  // (The library renders consul as null once nothing uses Consul.)
  consul: if super.consul == null then null else super.consul {
    consul_container+:: $.util.resourcesRequests('50m', '64Mi'),
    consul_deployment+: { spec+: { template+: { spec+: {
      containers: std.filter(function(c) c.name == 'consul', super.containers),
    } } } },
  },

  // The HA tracker on etcd: the 3.0 library hard-codes memberlist, so a
  // cluster that never moved sets its distributor flags itself.
  distributor_args+:: {
    'distributor.ha-tracker.store': 'etcd',
    'distributor.ha-tracker.etcd.endpoints': config.etcd_address,
  },
}
