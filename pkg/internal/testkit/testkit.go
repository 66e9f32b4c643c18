// Package testkit is the shared kit of the unit tests:
//
//   - Progress, a plan.Progress that keeps what actions report and record;
//   - Clock, a fake plan.Clock that moves at once and runs scheduled events
//     (the window tests use it as plantest.WindowClock);
//   - builders of Kubernetes objects, options-style: StatefulSet (with
//     Replicas, ReplicaStatus, Revisions, Generation, OnDelete), Pod (with
//     OwnedBy, PodIP, Phase, Ready, Waiting, Unschedulable, ContainerPort),
//     StatefulSetPods, and metadata options (InNamespace, Label, Annotation)
//     both accept;
//   - RingPage, the JSON of a ring page (/ingester/ring) as Mimir serves it;
//   - CopyTree, a copy of a testdata tree, such as a Tanka project, that a
//     test may change.
//
// Golden files are compared by the sibling package pkg/internal/golden.
//
// It imports only the standard library and the Kubernetes API types (no
// package of this module), so the tests of any layer may use it
// (internal/archtest treats pkg/internal/... as test helpers).
package testkit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Progress is a plan.Progress that keeps the messages passed to Report, in
// order, and, when Records is set, the keys Set records: Get finds only
// those, Set of a Progress without Records does nothing, WaitUntil does
// nothing, Now is the wall clock and Sleep returns at once (ctx's error, if
// any).
type Progress struct {
	// Reports are the messages reported so far.
	Reports []string
	// Records, when not nil, are the run's records by key: what the test
	// gives as recorded before, and what the action Sets.
	Records map[string]string
}

// Get reads the key from Records: the actions under test start with what
// the test gave, or with no progress.
func (p *Progress) Get(key string) (string, bool) {
	v, ok := p.Records[key]
	return v, ok
}

// Set records the key in Records, or discards it when Records is nil.
func (p *Progress) Set(_ context.Context, key, value string) error {
	if p.Records != nil {
		p.Records[key] = value
	}
	return nil
}

// Now returns the wall clock's time.
func (*Progress) Now() time.Time { return time.Now() }

// WaitUntil returns at once.
func (*Progress) WaitUntil(context.Context, string, time.Duration, string) error { return nil }

// Sleep returns at once, with ctx's error when ctx is done.
func (*Progress) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// Report keeps msg.
func (p *Progress) Report(msg string) { p.Reports = append(p.Reports, msg) }

// CopyTree copies the directory src (e.g. "testdata/project", relative to
// the test's package) to a new temporary directory, which the test removes
// when it ends, and returns that directory. Directories are created 0755 and
// files 0644; the test fails when src cannot be read.
func CopyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
