package kube

// Field manager, labels and annotations mimirctl writes or reads, in one
// place.
const (
	// FieldManager is the server-side apply field manager of mimirctl.
	FieldManager = "mimirctl"
	// ScaleFieldManager and RuntimeConfigFieldManager own what the direct
	// scale and runtime-config actions change, so that a later apply of
	// rendered objects that disagree fails with a conflict naming them.
	ScaleFieldManager         = "mimirctl-scale"
	RuntimeConfigFieldManager = "mimirctl-runtime-config"

	// LabelManagedBy marks objects mimirctl applied (set when the rendered
	// object does not set it already).
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByValue is LabelManagedBy's value.
	ManagedByValue = "mimirctl"
	// LabelEnvironment identifies the Tanka environment an object belongs
	// to; its value is the environment's Tanka name label (a hash). Only
	// objects carrying it (or LabelTankaEnvironment) with this
	// environment's value are ever pruned.
	LabelEnvironment = "mimirctl.dev/environment"
	// LabelTankaEnvironment is the label Tanka injects with
	// spec.injectLabels; mimirctl honours it for pruning.
	LabelTankaEnvironment = "tanka.dev/environment"
)

// Kubernetes controllers' labels and annotations.
const (
	// LabelControllerRevisionHash names a StatefulSet pod's revision.
	LabelControllerRevisionHash = "controller-revision-hash"
	// LabelPodTemplateHash names a Deployment pod's ReplicaSet template.
	LabelPodTemplateHash = "pod-template-hash"
	// AnnotationDeploymentRevision numbers a Deployment's and its
	// ReplicaSets' revisions.
	AnnotationDeploymentRevision = "deployment.kubernetes.io/revision"
)

// Grafana rollout-operator's labels, annotations and webhook paths
// (github.com/grafana/rollout-operator, pkg/config).
const (
	// LabelRolloutGroup puts OnDelete StatefulSets under rollout-operator,
	// which rolls them one at a time.
	LabelRolloutGroup = "rollout-group"
	// AnnotationRolloutMaxUnavailable bounds the pods rollout-operator
	// restarts at once.
	AnnotationRolloutMaxUnavailable = "rollout-max-unavailable"
	// LabelPrepareDownscale ("true") makes the prepare-downscale webhook call
	// each pod being removed before allowing a scale-down.
	LabelPrepareDownscale = "grafana.com/prepare-downscale"
	// AnnotationPrepareDownscaleHTTPPath and ...Port are the endpoint it
	// calls, e.g. ingester/prepare-shutdown on port 80.
	AnnotationPrepareDownscaleHTTPPath = "grafana.com/prepare-downscale-http-path"
	AnnotationPrepareDownscaleHTTPPort = "grafana.com/prepare-downscale-http-port"
	// LabelMinTimeBetweenZonesDownscale is a Go duration: a StatefulSet
	// carrying it blocks downscales of the other StatefulSets of its
	// rollout group for that long after its own last downscale.
	LabelMinTimeBetweenZonesDownscale = "grafana.com/min-time-between-zones-downscale"
	// AnnotationLastDownscale is the RFC 3339 time of a StatefulSet's last
	// downscale, written by the prepare-downscale webhook.
	AnnotationLastDownscale = "grafana.com/last-downscale"
	// LabelNoDownscale ("true") makes the no-downscale webhook refuse any
	// replica decrease.
	LabelNoDownscale = "grafana.com/no-downscale"

	// WebhookPathPrepareDownscale and WebhookPathNoDownscale are the paths
	// rollout-operator serves its admission webhooks on.
	WebhookPathPrepareDownscale = "/admission/prepare-downscale"
	WebhookPathNoDownscale      = "/admission/no-downscale"
)

// Mimir's runtime configuration as the Mimir jsonnet deploys it.
const (
	// RuntimeConfigMap is the ConfigMap holding the runtime configuration.
	RuntimeConfigMap = "overrides"
	// RuntimeConfigKey is its data key.
	RuntimeConfigKey = "overrides.yaml"
	// RuntimeConfigPath is the HTTP path on which every Mimir component
	// serves the runtime configuration it has loaded.
	RuntimeConfigPath = "/runtime_config"
)
