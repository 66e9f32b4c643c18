package plan

// Exports for the external tests (package plan_test), which use the fakes
// of package plantest and so cannot be inside package plan.

// DecodeState is decodeState, for the tests' memory store.
var DecodeState = decodeState

// WithDefaults is withDefaults, for tests building gate configs by hand as
// the loader does.
func (p Policy) WithDefaults() Policy { return p.withDefaults() }

// Abandon stops a lease's renewer without clearing the lease, as a killed
// process would leave it, and waits until the renewer has returned (it reads
// the test's clock).
func Abandon(l Lock) {
	h := l.(*leaseLock)
	h.stopOnce.Do(func() { close(h.stop) })
	<-h.done
}
