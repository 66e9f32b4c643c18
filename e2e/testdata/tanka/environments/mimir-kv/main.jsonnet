// Mimir 3.x microservices with every hash ring on Consul and the HA tracker
// on etcd: the starting point of the ring KV (Consul → memberlist) and HA
// tracker KV (etcd → memberlist) migrations.
(import 'mimir-lite/mimir.libsonnet') + {
  _images+:: {
    mimir: 'grafana/mimir:3.0.5',
  },

  _config+:: {
    namespace: 'mimir-kv',
    create_namespace: true,

    multi_zone_ingester_enabled: true,
    multi_zone_store_gateway_enabled: true,

    // Rings on Consul, as before Mimir 2.2.
    memberlist_ring_enabled: false,

    ha_tracker_enabled: true,
    ha_tracker_kvstore: 'etcd',
  },
}
