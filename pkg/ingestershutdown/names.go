package ingestershutdown

// Annotations mimirctl writes on a zone's StatefulSet when it shuts it down,
// so that a later run (or a colleague) knows when the next zone may follow.
const (
	AnnotationShutdownAt  = "mimirctl.dev/zone-shutdown-at"
	AnnotationQueryableAt = "mimirctl.dev/blocks-queryable-at"
)

// queryablePending is AnnotationQueryableAt's value from the scale-down
// until the run records the time: a zone in that state is not done, and no
// other zone may follow it.
const queryablePending = "pending"

// terminatedServiceFragment is how /ready names an ingester stopped by
// /ingester/shutdown (seen on Mimir 2.9.0 and 3.0.5); stoppingFragment is
// how it counts services still stopping (dskit's /ready lists states).
const (
	terminatedServiceFragment = "ingester-service: Terminated"
	stoppingFragment          = "Stopping:"
)
