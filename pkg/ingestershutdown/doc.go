// Package ingestershutdown shuts down one ingester zone without losing data,
// the way Mimir's scaling-out documentation describes it, and waits for the
// moment the next zone may follow.
//
// # Procedure
//
// For a zone (a StatefulSet such as ingester-zone-a or mimir-write-zone-a):
//
//  1. Preflight: every ingester outside the zone is ACTIVE and healthy in the
//     ring; no sibling zone was shut down less than the required wait ago
//     (mimirctl's own annotation, or rollout-operator's last-downscale).
//  2. Where the ingesters support it (Mimir 2.14+), put them in read-only
//     mode (/ingester/prepare-instance-ring-downscale) so that they take no
//     new series, and record the time.
//  3. Flush and ship every ingester (/ingester/shutdown), then confirm from
//     each pod's metrics that nothing is left unshipped and no upload failed,
//     before anything is stopped.
//  4. Scale the StatefulSet to 0 and wait for the pods to terminate and their
//     instances to leave the ring (nothing is forgotten from the ring).
//  5. Wait until the uploaded blocks can be queried: max(query-store-after,
//     2×sync-interval, 2×cleanup-interval), read from the live components'
//     /config, never a constant. The deadline is persisted in the run state
//     and on the StatefulSet.
//
// When rollout-operator's prepare-downscale webhook guards the StatefulSet, the
// webhook calls /ingester/prepare-shutdown on each pod during the scale-down and
// refuses it if a pod is not running; step 3 then uses /ingester/flush (the
// ingesters keep running) and the pods flush once more as they terminate.
//
// Every per-pod call is recorded through the run's progress, so a resumed run
// neither repeats a call that took effect nor skips one that did not.
package ingestershutdown
