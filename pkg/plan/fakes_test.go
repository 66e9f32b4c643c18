package plan_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

// newFakeClock returns a clock at 2026-11-23 10:00 UTC that moves forward
// on Sleep, at once.
func newFakeClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
}

// memoryStore is a fake Store keeping a JSON copy, as a real store would.
type memoryStore struct {
	mu    sync.Mutex
	data  []byte
	rev   int
	saves int
	// failAt makes the Nth save (1-based) and every later one fail with
	// errCrash, simulating a process that died before that write.
	failAt int
}

var errCrash = errors.New("simulated crash")

func (m *memoryStore) Describe() string { return "memory" }

func (m *memoryStore) Load(context.Context) (*plan.State, plan.Revision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, "", plan.ErrNoState
	}
	st, err := plan.DecodeState(m.data, "memory")
	return st, plan.Revision(fmt.Sprint(m.rev)), err
}

func (m *memoryStore) Save(_ context.Context, st *plan.State, rev plan.Revision) (plan.Revision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	if m.failAt > 0 && m.saves >= m.failAt {
		return "", errCrash
	}
	if string(rev) != fmt.Sprint(m.rev) && (rev != "" || m.data != nil) {
		return "", plan.ErrStateConflict
	}
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	m.data = b
	m.rev++
	return plan.Revision(fmt.Sprint(m.rev)), nil
}

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []plan.Event
}

func (r *recorder) Emit(e plan.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) types() []plan.EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]plan.EventType, 0, len(r.events))
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

type yesConfirmer bool

func (y yesConfirmer) Confirm(context.Context, string) (bool, error) { return bool(y), nil }
