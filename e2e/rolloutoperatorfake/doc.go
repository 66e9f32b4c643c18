// Package rolloutoperatorfake is a stand-in for grafana/rollout-operator's
// admission webhooks and rollout controller, for the local end-to-end suite,
// where the operator's image cannot run and its Go module is not served. It
// is a fake: it does what rollout-operator v0.38.1's source says for the
// behaviours mimirctl meets, each pinned below (and in Controller's doc) to
// the file it follows, and nothing else.
//
//   - rollout controller (pkg/controller/controller.go, replicas.go,
//     labels.go): OnDelete StatefulSets of a rollout-group rolled one at a
//     time, rollout-max-unavailable pods at a time, paused StatefulSets
//     skipped, the current revision set when done; followers' replicas from
//     their leader (grafana.com/rollout-downscale-leader), with
//     grafana.com/rollout-force-replicas, upscale only when the leader is
//     ready, and downscales spaced by grafana.com/min-time-between-zones-downscale
//     over the grafana.com/last-downscale annotations. See Controller.
//
//   - prepare-downscale (pkg/admission/prep_downscale.go, zone_tracker.go):
//     dry runs, upscales and StatefulSets without the label
//     grafana.com/prepare-downscale=true pass; a missing port or path
//     annotation or serviceName is refused; within a rollout-group, a
//     downscale is refused while another StatefulSet of the group was
//     downscaled less than that StatefulSet's own
//     grafana.com/min-time-between-zones-downscale ago, or has non-updated or
//     non-ready replicas; then every pod being removed gets a POST of the
//     annotated path (any failure: DELETE to all of them, refused); the
//     downscale time is recorded, in the zone tracker ConfigMap (one key per
//     StatefulSet, {"lastDownscaled": RFC 3339}; created on first use with
//     every StatefulSet of the group at "now") or, without the tracker, in the
//     annotation grafana.com/last-downscale.
//
//   - no-downscale (pkg/admission/no_downscale.go): a replica decrease of an
//     object labelled grafana.com/no-downscale=true is refused.
//
// Differences, on purpose: pods are called through a podaccess.Doer (the API
// server's pod proxy) instead of their cluster DNS names, and StatefulSets'
// pods are counted from the API (status fields) as the operator does.
package rolloutoperatorfake
