// A compatible stand-in for grafana/rollout-operator's
// operations/rollout-operator/rollout-operator.libsonnet, written for the
// conformance harness: the rollout-operator Deployment, its Service,
// ServiceAccount, RBAC, admission webhooks (no-downscale, prepare-downscale,
// pod-eviction, zpdb-validation, with the certificate RBAC they need) and the
// newZPDB / replicaTemplate constructors Mimir 3.x calls. Objects are null
// when _config.rollout_operator_enabled (webhooks: ..._webhooks_enabled) is
// false. The CustomResourceDefinitions of ZoneAwarePodDisruptionBudget and
// ReplicaTemplate are not written here (see e2e/conformance/README.md).
{
  local k = $.core.v1,
  local container = $.core.v1.container,
  local deployment = $.apps.v1.deployment,
  local policyRule = $.rbac.v1.policyRule,

  _config+:: {
    rollout_operator_enabled: false,
    rollout_operator_webhooks_enabled: false,
    rollout_operator_replica_template_access_enabled: false,
    zpdb_custom_resource_definition_enabled: $._config.rollout_operator_webhooks_enabled,
    replica_template_custom_resource_definition_enabled: false,
  },

  _images+:: {
    rollout_operator: 'grafana/rollout-operator:v0.36.1',
  },

  local enabled = $._config.rollout_operator_enabled,
  local webhooks = $._config.rollout_operator_enabled && $._config.rollout_operator_webhooks_enabled,
  local ns = $._config.namespace,
  local group = 'rollout-operator.grafana.com',

  rollout_operator_args:: {
    'kubernetes.namespace': ns,
    'use-zone-tracker': true,
    'zone-tracker.config-map-name': 'rollout-operator-zone-tracker',
  } + (if webhooks then { 'server-tls.enabled': true } else {}),

  rollout_operator_container::
    container.new('rollout-operator', $._images.rollout_operator) +
    container.withArgs($.util.mapToFlags($.rollout_operator_args)) +
    container.withPorts(
      [k.containerPort.new('http-metrics', 8001)] +
      (if webhooks then [k.containerPort.new('https', 8443)] else [])
    ) +
    $.util.resourcesRequests('100m', '100Mi') +
    $.util.resourcesLimits(null, '200Mi') +
    container.mixin.readinessProbe.httpGet.withPath('/ready') +
    container.mixin.readinessProbe.httpGet.withPort(8001) +
    container.mixin.readinessProbe.withInitialDelaySeconds(5) +
    container.mixin.readinessProbe.withTimeoutSeconds(1),

  local inNamespace = { metadata+: { namespace: ns } },

  rollout_operator_deployment: if !enabled then null else
    deployment.new('rollout-operator', 1, [$.rollout_operator_container]) + inNamespace +
    deployment.spec.template.spec.withServiceAccountName('rollout-operator') +
    // One operator at a time: it coordinates rollouts across zones.
    deployment.spec.strategy.rollingUpdate.withMaxSurge(0) +
    deployment.spec.strategy.rollingUpdate.withMaxUnavailable(1),

  rollout_operator_service: if !webhooks then null else
    k.service.new('rollout-operator', { name: 'rollout-operator' }, [
      k.servicePort.newNamed('https', 443, 8443) + k.servicePort.withProtocol('TCP'),
    ]) + inNamespace,

  rollout_operator_service_account: if !enabled then null else
    k.serviceAccount.new('rollout-operator') + inNamespace,

  local rule(apiGroups, resources, verbs) =
    policyRule.withApiGroups(apiGroups) + policyRule.withResources(resources) + policyRule.withVerbs(verbs),

  local binding(kind, name, roleKind, roleName) =
    (if kind == 'RoleBinding' then $.rbac.v1.roleBinding.new(name) + inNamespace else $.rbac.v1.clusterRoleBinding.new(name)) + {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: 'rollout-operator', namespace: ns }],
    },

  rollout_operator_role: if !enabled then null else
    $.rbac.v1.role.new('rollout-operator-role') + inNamespace +
    $.rbac.v1.role.withRules(
      [
        rule([''], ['pods'], ['list', 'get', 'watch', 'delete']),
        rule(['apps'], ['statefulsets'], ['list', 'get', 'watch', 'patch']),
        rule(['apps'], ['statefulsets/status'], ['update']),
        rule([''], ['configmaps'], ['get', 'update', 'create']),
      ]
      + (if $._config.rollout_operator_replica_template_access_enabled then [rule([group], ['replicatemplates/scale', 'replicatemplates/status'], ['get', 'patch'])] else [])
      + [rule([group], ['zoneawarepoddisruptionbudgets'], ['get', 'list', 'watch'])]
    ),

  rollout_operator_rolebinding: if !enabled then null else
    binding('RoleBinding', 'rollout-operator-rolebinding', 'Role', 'rollout-operator-role'),

  // The operator writes its self-signed certificate to a Secret and its CA
  // into the webhook configurations.
  rollout_operator_webhook_cert_secret_role: if !webhooks then null else
    $.rbac.v1.role.new('rollout-operator-webhook-cert-secret-role') + inNamespace +
    $.rbac.v1.role.withRules([
      rule([''], ['secrets'], ['create']),
      rule([''], ['secrets'], ['update', 'get']) + policyRule.withResourceNames(['rollout-operator-self-signed-certificate']),
    ]),

  rollout_operator_webhook_cert_secret_rolebinding: if !webhooks then null else
    binding('RoleBinding', 'rollout-operator-webhook-cert-secret-rolebinding', 'Role', 'rollout-operator-webhook-cert-secret-role'),

  rollout_operator_webhook_cert_update_clusterrole: if !webhooks then null else
    $.rbac.v1.clusterRole.new('rollout-operator-%s-webhook-cert-update-role' % ns) +
    $.rbac.v1.clusterRole.withRules([
      rule(['admissionregistration.k8s.io'], ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], ['list', 'patch', 'watch']),
    ]),

  rollout_operator_webhook_cert_update_clusterrolebinding: if !webhooks then null else
    binding('ClusterRoleBinding', 'rollout-operator-%s-webhook-cert-secret-rolebinding' % ns, 'ClusterRole', 'rollout-operator-%s-webhook-cert-update-role' % ns),

  // One admission webhook of the operator, for namespace ns only.
  local webhook(name, path, rules, sideEffects, extra={}) = {
    name: '%s-%s.grafana.com' % [name, ns],
    admissionReviewVersions: ['v1'],
    clientConfig: { service: { name: 'rollout-operator', namespace: ns, path: path, port: 443 } },
    failurePolicy: 'Fail',
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
    rules: rules,
    sideEffects: sideEffects,
  } + extra,
  local webhookConfiguration(kind, name, hook) = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: kind,
    metadata: {
      name: '%s-%s' % [name, ns],
      labels: { 'grafana.com/inject-rollout-operator-ca': 'true', 'grafana.com/namespace': ns },
    },
    webhooks: [hook],
  },
  local statefulSetUpdates = [{
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    operations: ['UPDATE'],
    resources: ['statefulsets', 'statefulsets/scale'],
    scope: 'Namespaced',
  }],

  no_downscale_webhook: if !webhooks then null else
    webhookConfiguration('ValidatingWebhookConfiguration', 'no-downscale',
                         webhook('no-downscale', '/admission/no-downscale', statefulSetUpdates, 'None', { matchPolicy: 'Equivalent', timeoutSeconds: 10 })),

  prepare_downscale_webhook: if !webhooks then null else
    webhookConfiguration('MutatingWebhookConfiguration', 'prepare-downscale',
                         webhook('prepare-downscale', '/admission/prepare-downscale', statefulSetUpdates, 'NoneOnDryRun', { matchPolicy: 'Equivalent', timeoutSeconds: 10 })),

  pod_eviction_webhook: if !webhooks then null else
    webhookConfiguration('ValidatingWebhookConfiguration', 'pod-eviction',
                         webhook('pod-eviction', '/admission/pod-eviction', [{
                           apiGroups: [''],
                           apiVersions: ['v1'],
                           operations: ['CREATE'],
                           resources: ['pods/eviction'],
                           scope: 'Namespaced',
                         }], 'None')),

  zpdb_validation_webhook: if !webhooks then null else
    webhookConfiguration('ValidatingWebhookConfiguration', 'zpdb-validation',
                         webhook('zpdb-validation', '/admission/zpdb-validation', [{
                           apiGroups: [group],
                           apiVersions: ['v1'],
                           operations: ['CREATE', 'UPDATE'],
                           resources: ['zoneawarepoddisruptionbudgets'],
                           scope: 'Namespaced',
                         }], 'None')),

  // A ZoneAwarePodDisruptionBudget over the pods labelled rollout-group: rolloutGroup;
  // with partitionRegex (null or '' for none), the budget applies per partition (the regex group
  // partitionGroup of the pod name).
  newZPDB(name, rolloutGroup, maxUnavailable, partitionRegex=null, partitionGroup=null):: {
    apiVersion: group + '/v1',
    kind: 'ZoneAwarePodDisruptionBudget',
    metadata: { name: name, labels: { name: name } },
    spec: {
      // Mimir passes a count as text ('50'); the resource holds a number.
      maxUnavailable:
        if std.isNumber(maxUnavailable) then maxUnavailable
        else if std.endsWith(maxUnavailable, '%') then error 'newZPDB: a percentage (%s) is not modelled by this compat library' % maxUnavailable
        else std.parseInt(maxUnavailable),
      selector: { matchLabels: { 'rollout-group': rolloutGroup } },
    } + (if partitionRegex == null || partitionRegex == '' then {} else {
           podNamePartitionRegex: partitionRegex,
           podNameRegexGroup: partitionGroup,
         }),
  },

  // A ReplicaTemplate: a scale subresource the operator reads a replica count
  // from; replicas <= 0 leaves the count unset.
  replicaTemplate(name, replicas, label_selector):: {
    apiVersion: group + '/v1',
    kind: 'ReplicaTemplate',
    metadata: { name: name, namespace: ns },
    spec: { labelSelector: label_selector } + (if replicas > 0 then { replicas: replicas } else {}),
  },
}
