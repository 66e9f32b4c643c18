// A compatible stand-in for grafana/jsonnet-libs' jaeger-agent-mixin/jaeger.libsonnet,
// written for the conformance harness: jaeger_mixin is a container mixin that
// points the tracing client at _config.jaeger_agent_host, or nothing when it
// is null (Mimir's default).
{
  _config+:: { jaeger_agent_host: null },
  jaeger_mixin::
    if $._config.jaeger_agent_host == null then {}
    else $.core.v1.container.withEnvMixin([
      { name: 'JAEGER_AGENT_HOST', value: $._config.jaeger_agent_host },
      { name: 'JAEGER_TAGS', value: 'namespace=%s,cluster=%s' % [$._config.namespace, $._config.cluster] },
      { name: 'JAEGER_SAMPLER_MANAGER_HOST_PORT', value: 'http://%s:5778/sampling' % $._config.jaeger_agent_host },
    ]),
}
