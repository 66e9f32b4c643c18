// A compatible stand-in for jsonnet-libs/keda-libsonnet (2.15), written for
// the conformance harness: the KEDA ScaledObject constructors Mimir 3.x calls
// (spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp/scaleDown).
// Every field is hidden, as in the generated Kubernetes library.
local at(path, value, mixin=false) =
  if std.length(path) == 1 then
    (if mixin then { [path[0]]+: value } else { [path[0]]: value })
  else { [path[0]]+: at(path[1:], value, mixin) };
local list(v) = if std.isArray(v) then v else [v];

// withF/withFMixin for each scalar (or map) field and list field at path.
local fields(path, scalars=[], lists=[]) = {
  ['with' + std.asciiUpper(f[0]) + f[1:]]: function(v) at(path + [f], v)
  for f in scalars
} + {
  ['with' + std.asciiUpper(f[0]) + f[1:] + 'Mixin']: function(v) at(path + [f], v, true)
  for f in scalars
} + {
  ['with' + std.asciiUpper(f[0]) + f[1:]]: function(v) at(path + [f], list(v))
  for f in lists
} + {
  ['with' + std.asciiUpper(f[0]) + f[1:] + 'Mixin']: function(v) at(path + [f], list(v), true)
  for f in lists
};

local hpaRules(path) = fields(path, ['selectPolicy', 'stabilizationWindowSeconds'], ['policies']) + {
  policies:: fields([], ['periodSeconds', 'type', 'value']),
};

{
  keda:: {
    v1alpha1:: {
      scaledObject:: {
        new(name):: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: name } },
        metadata:: fields(['metadata'], ['name', 'namespace', 'labels', 'annotations']),
        spec:: fields(['spec'], ['minReplicaCount', 'maxReplicaCount', 'pollingInterval', 'cooldownPeriod', 'idleReplicaCount'], ['triggers']) + {
          scaleTargetRef:: fields(['spec', 'scaleTargetRef'], ['apiVersion', 'kind', 'name']),
          advanced:: fields(['spec', 'advanced'], ['restoreToOriginalReplicaCount']) + {
            horizontalPodAutoscalerConfig:: fields(['spec', 'advanced', 'horizontalPodAutoscalerConfig'], ['name']) + {
              behavior:: {
                scaleDown:: hpaRules(['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior', 'scaleDown']),
                scaleUp:: hpaRules(['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior', 'scaleUp']),
              },
            },
          },
        },
      },
    },
  },
}
