// The runtime configuration every Mimir pod reloads every
// runtime_config_reload_period: per-tenant overrides and, during a ring KV
// migration, multi_kv_config (switched without a rollout).
local k = import 'k.libsonnet';

{
  local c = $._config,

  overrides_config:
    k.core.v1.configMap.new(c.overrides_configmap, {
      'overrides.yaml': std.manifestYamlDoc(
        { overrides: c.overrides } +
        (if std.length(c.multi_kv_config) > 0 then { multi_kv_config: c.multi_kv_config } else {}),
        indent_array_in_object=true,
        quote_keys=false,
      ),
    }),
}
