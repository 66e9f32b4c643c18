// Package ingestershutdown shuts down one ingester zone without losing data,
// the way Mimir's scaling-out documentation describes it, and waits for the
// moment the next zone may follow.
//
// # Procedure
//
// For a zone (a StatefulSet such as ingester-zone-a or mimir-write-zone-a):
//
//  1. Preflight: every ingester outside the zone is ACTIVE and healthy in the
//     ring, and a pod of the namespace (another system's member that joined
//     the ring through memberlist is refused, grafana/mimir#6187); every
//     sibling StatefulSet is fully ready (those of the rollout group, or,
//     for a StatefulSet of none such as the old ingesters of a move to
//     zones, those whose pods ringPods selects); no sibling zone was shut
//     down less than the required wait ago
//     (mimirctl's own annotation, rollout-operator's last-downscale
//     annotation or its zone tracker ConfigMap, with the sibling's minimum
//     time between zone downscales); rollout-operator neither refuses the
//     scale-down (webhooks) nor would undo or spread it (downscale leaders,
//     replicas mirrored from a reference resource, delayed downscale).
//  2. Where the ingesters support it (Mimir 2.14+), put them in read-only
//     mode (/ingester/prepare-instance-ring-downscale) so that they take no
//     new series, and record the time.
//  3. Flush and ship every ingester with /ingester/flush?wait=true, then
//     confirm from each pod's metrics, while its TSDBs are still open, that
//     no block is left unshipped and no upload failed since the run's
//     baseline (read once, before the first flush). After
//     /ingester/shutdown the TSDBs are closed and the unshipped-block gauge
//     reads 0 whatever happened (grafana/mimir#11166), so it is never
//     evidence.
//  4. Stop every ingester with /ingester/shutdown (it ships what arrived
//     since the flush and leaves the ring), following /ready until the
//     service terminated, and check the upload-failure counter once more.
//     Flush and shutdown calls are bounded by flushTimeout, not by the API
//     request timeout (podaccess.LongCalls).
//  5. Check the other zones and rollout-operator again, scale the
//     StatefulSet to 0 and wait for the pods to terminate and their
//     instances to leave the ring (nothing is forgotten from the ring).
//  6. Wait until the uploaded blocks can be queried: max(query-store-after,
//     ignore-blocks-within + 2×sync-interval, 2×cleanup-interval), each the
//     largest value over every pod that holds it, read from the live
//     components' /config, never a constant. The deadline is persisted in
//     the run state and on the StatefulSet.
//
// When rollout-operator's prepare-downscale webhook guards the StatefulSet, the
// webhook calls /ingester/prepare-shutdown on each pod during the scale-down and
// refuses it if a pod is not running; step 4 is then skipped and the pods
// flush once more as they terminate.
//
// Every per-pod call is recorded through the run's progress, so a resumed run
// neither repeats a call that took effect nor skips one that did not; every
// run, first or resumed, checks the other zones before it acts.
package ingestershutdown
