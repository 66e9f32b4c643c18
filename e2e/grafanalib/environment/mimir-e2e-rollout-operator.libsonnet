// grafana/rollout-operator as Grafana's library deploys it, merged into the
// e2e environment (WriteTestProject's extra, "(import
// 'mimir-e2e-rollout-operator.libsonnet')") where the operator's image can
// run: on kind (e2e/kind/run.sh pulls the image the library names). The
// local cluster has no such image and runs the suite's stand-in instead
// (e2e/rolloutoperatorfake), for which mimir-e2e.libsonnet and
// mimir-e2e-2.16.libsonnet leave the operator out.
//
// With this file the library renders, for the environment's namespace, the
// operator's Deployment (zone tracker on, in ConfigMap
// rollout-operator-zone-tracker), its ServiceAccount, RBAC and
// PodDisruptionBudget, and its admission webhooks (prepare-downscale,
// no-downscale; on 3.x also pod-eviction and zpdb-validation) with the
// Service they call and the RBAC for the certificate the operator signs
// itself. The zones keep plain PodDisruptionBudgets (no
// ZoneAwarePodDisruptionBudget objects), but on 3.x the operator still needs
// that resource's CustomResourceDefinition: see
// rollout_operator_zpdb_crd_e2e below.
{
  _config+:: {
    // Mimir 3.x: the knobs mimir-e2e.libsonnet turns off.
    rollout_operator_enabled: true,
    rollout_operator_webhooks_enabled: true,
    // Mimir 2.16: the webhooks are off unless asked for; the operator
    // itself follows multi_zone_*_enabled.
    enable_rollout_operator_webhook: true,
  },

  // Mimir 2.16: mimir-e2e-2.16.libsonnet hides the operator's objects
  // (their values are the library's): shown again. On 3.x they are shown
  // already.
  rollout_operator_deployment::: super.rollout_operator_deployment,
  rollout_operator_role::: super.rollout_operator_role,
  rollout_operator_rolebinding::: super.rollout_operator_rolebinding,
  rollout_operator_service_account::: super.rollout_operator_service_account,
  rollout_operator_pdb::: super.rollout_operator_pdb,

  // The operator Grafana's 3.x library deploys (v0.36.1) watches
  // ZoneAwarePodDisruptionBudgets in its namespace whatever its flags
  // (since v0.32, grafana/rollout-operator#324) and, until
  // grafana/rollout-operator#476 (2026-07, after v0.36.1), waits at
  // startup until that watch has listed them once (pkg/zpdb's config
  // observer): without the resource it never serves its webhooks, and
  // with their failurePolicy Fail every update of a StatefulSet in the
  // namespace is refused. The library renders the resource's CRD (its
  // zpdb_custom_resource_definition_enabled, on with the webhooks) from
  // the rollout-operator dependency, which e2e/grafanalib/compat does not
  // reproduce (e2e/conformance/README.md): this definition, written here,
  // serves the same group, version, names and status subresource and
  // keeps whatever a spec holds (no validation; the operator validates
  // budgets with its zpdb-validation webhook). Cluster-wide and the same
  // for every namespace: the suite leaves it in place. 2.16's operator
  // (v0.26.0) predates the resource.
  rollout_operator_zpdb_crd_e2e:
    if !std.objectHas($._config, 'zpdb_custom_resource_definition_enabled')
       || !$._config.zpdb_custom_resource_definition_enabled then null else {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'zoneawarepoddisruptionbudgets.rollout-operator.grafana.com' },
      spec: {
        group: 'rollout-operator.grafana.com',
        names: {
          kind: 'ZoneAwarePodDisruptionBudget',
          listKind: 'ZoneAwarePodDisruptionBudgetList',
          plural: 'zoneawarepoddisruptionbudgets',
          singular: 'zoneawarepoddisruptionbudget',
        },
        scope: 'Namespaced',
        versions: [{
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          subresources: { status: {} },
        }],
      },
    },
}
