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
	// objects carrying it with this environment's value, and whose managed
	// fields name FieldManager, are ever pruned.
	LabelEnvironment = "mimirctl.dev/environment"
	// LabelTankaEnvironment is the label Tanka injects with
	// spec.injectLabels. Two repositories with the same environment path
	// share its value (grafana/tanka#824), so mimirctl never prunes on it
	// alone: such objects are listed and left alone.
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

	// AnnotationDownscaleLeader names the StatefulSet whose replicas this
	// one follows: rollout-operator's controller sets the follower's
	// replicas to the leader's (pkg/controller/replicas.go).
	AnnotationDownscaleLeader = "grafana.com/rollout-downscale-leader"
	// AnnotationMirrorReplicasFromResource* name a reference resource
	// (e.g. a ReplicaTemplate) whose scale subresource's spec.replicas
	// rollout-operator copies onto the StatefulSet
	// (pkg/controller/custom_resource_replicas.go).
	AnnotationMirrorReplicasFromResourceName       = "grafana.com/rollout-mirror-replicas-from-resource-name"
	AnnotationMirrorReplicasFromResourceKind       = "grafana.com/rollout-mirror-replicas-from-resource-kind"
	AnnotationMirrorReplicasFromResourceAPIVersion = "grafana.com/rollout-mirror-replicas-from-resource-api-version"
	// AnnotationDelayedDownscale (a Go duration) and
	// AnnotationPrepareDelayedDownscaleURL make rollout-operator POST the
	// URL on pods it is about to remove and DELETE it on every other pod at
	// each reconcile (pkg/controller/delay.go); for ingesters the URL is
	// /ingester/prepare-instance-ring-downscale, so the DELETE ends
	// read-only mode.
	AnnotationDelayedDownscale           = "grafana.com/rollout-delayed-downscale"
	AnnotationPrepareDelayedDownscaleURL = "grafana.com/rollout-prepare-delayed-downscale-url"

	// ZoneTrackerFlag and ZoneTrackerConfigMapFlag are rollout-operator's
	// flags that keep the last downscale of each StatefulSet in a ConfigMap
	// of the StatefulSets' namespace instead of AnnotationLastDownscale
	// (pkg/admission/zone_tracker.go, since v0.20). Mimir's jsonnet turns it
	// on; the ConfigMap is named ZoneTrackerDefaultConfigMap unless the flag
	// says otherwise, and holds one key per StatefulSet with the JSON value
	// {"lastDownscaled":"<RFC 3339>"}.
	ZoneTrackerFlag             = "use-zone-tracker"
	ZoneTrackerConfigMapFlag    = "zone-tracker.config-map-name"
	ZoneTrackerDefaultConfigMap = "rollout-operator-zone-tracker"

	// WebhookPathPrepareDownscale and WebhookPathNoDownscale are the paths
	// rollout-operator serves its admission webhooks on.
	WebhookPathPrepareDownscale = "/admission/prepare-downscale"
	WebhookPathNoDownscale      = "/admission/no-downscale"
)
