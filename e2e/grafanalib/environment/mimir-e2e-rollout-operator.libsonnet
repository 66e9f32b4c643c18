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
// itself. The zones keep plain PodDisruptionBudgets: the
// ZoneAwarePodDisruptionBudget needs the operator's CRD, which
// e2e/grafanalib/compat does not write (e2e/conformance/README.md).
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
}
