// A compatible stand-in for grafana/jsonnet-libs' memcached/memcached.libsonnet,
// written for the conformance harness. It provides the `memcached` prototype
// Mimir's memcached.libsonnet extends: a memcached container sized from
// memory_limit_mb, a memcached-exporter sidecar, and the workload and Service
// Mimir overrides. Sizes follow what Mimir's generated manifests show:
// requests = ceil(memory_limit_mb * overprovision_factor + 100) MiB,
// limits = memory_limit_mb * 1.5 MiB (printed in Gi when whole).
// Images come from _images.memcached and _images.memcachedExporter, which
// Mimir's images.libsonnet sets (this file is merged after it, so it sets
// no defaults that would override Mimir's).
{

  local quantity(bytes) =
    if bytes % std.pow(2, 30) == 0 then '%dGi' % (bytes / std.pow(2, 30))
    else if bytes % std.pow(2, 20) == 0 then '%dMi' % (bytes / std.pow(2, 20))
    else if bytes % 1024 == 0 then '%dKi' % (bytes / 1024)
    else '%d' % bytes,

  memcached:: {
    local container = $.core.v1.container,
    local containerPort = $.core.v1.containerPort,

    name:: error 'memcached: set name',
    max_item_size:: '1m',
    memory_limit_mb:: 1024,
    overprovision_factor:: 1.2,
    memory_request_overhead_mb:: 100,
    cpu_requests:: '500m',
    cpu_limits:: '3',
    connection_limit:: 1024,
    extended_options:: [],
    exporter_port:: 9150,
    // Later Mimir versions set these; null leaves the field out.
    min_ready_seconds:: null,
    exporter_cpu_requests:: null,
    exporter_memory_requests:: null,
    exporter_cpu_limits:: null,
    exporter_memory_limits:: null,

    memory_request_bytes:: std.ceil(self.memory_limit_mb * self.overprovision_factor + self.memory_request_overhead_mb) * std.pow(2, 20),
    memory_limit_bytes:: std.max(self.memory_limit_mb * 1.5 * std.pow(2, 20), self.memory_request_bytes),

    memcached_container::
      container.new('memcached', $._images.memcached) +
      container.withPorts([containerPort.new('client', 11211)]) +
      container.withArgs(
        [
          '-m %s' % self.memory_limit_mb,
          '-I %s' % self.max_item_size,
          '-c %s' % self.connection_limit,
          '-v',
        ] + (if self.extended_options == [] then [] else ['--extended=' + std.join(',', self.extended_options)])
      ) +
      $.util.resourcesRequests(self.cpu_requests, quantity(self.memory_request_bytes)) +
      $.util.resourcesLimits(self.cpu_limits, quantity(self.memory_limit_bytes)),

    memcached_exporter::
      container.new('exporter', $._images.memcachedExporter) +
      container.withPorts([containerPort.new('http-metrics', self.exporter_port)]) +
      container.withArgs([
        '--memcached.address=localhost:11211',
        '--web.listen-address=0.0.0.0:%d' % self.exporter_port,
      ]) +
      (if self.exporter_cpu_requests == null && self.exporter_memory_requests == null then {}
       else $.util.resourcesRequests(self.exporter_cpu_requests, self.exporter_memory_requests)) +
      (if self.exporter_cpu_limits == null && self.exporter_memory_limits == null then {}
       else $.util.resourcesLimits(self.exporter_cpu_limits, self.exporter_memory_limits)),

    deployment:
      $.apps.v1.deployment.new(self.name, 3, [self.memcached_container, self.memcached_exporter]),

    // Later Mimir versions extend this StatefulSet (statefulSet+:); 2.9
    // replaces it.
    statefulSet:
      $.apps.v1.statefulSet.new(self.name, 3, [self.memcached_container, self.memcached_exporter], []) +
      $.apps.v1.statefulSet.spec.withServiceName(self.name) +
      (if self.min_ready_seconds == null then {} else $.apps.v1.statefulSet.spec.withMinReadySeconds(self.min_ready_seconds)) +
      $.util.antiAffinity,

    service:
      $.util.serviceFor(self.deployment),
  },
}
