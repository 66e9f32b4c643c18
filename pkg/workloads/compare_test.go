package workloads

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

// recording is a plan.Progress that keeps what the action sets and reports.
type recording struct {
	testkit.Progress
	set map[string]string
}

func (r *recording) Set(_ context.Context, k, v string) error {
	r.set[k] = v
	return nil
}

func deployment(name string, replicas int64) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "namespace": "mimir"},
		"spec":     map[string]any{"replicas": replicas, "template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "mimir", "image": "grafana/mimir:2.9.0"}}}}},
	}}
}

// With source rendered, compare reads the workloads from the rendered
// environment Deps.Rendered gives, records one line per pair, and names
// the workloads a pair misses.
func TestCompareRenderedRecordsOneLinePerPair(t *testing.T) {
	rendered := func(context.Context) ([]*unstructured.Unstructured, error) {
		return []*unstructured.Unstructured{deployment("querier", 2), deployment("mimir-read", 3)}, nil
	}
	spec := &CompareSpec{Source: "rendered", Pairs: []diff.WorkloadPair{
		{From: diff.Workload{Kind: "Deployment", Name: "querier"}, To: diff.Workload{Kind: "Deployment", Name: "mimir-read"}},
		{From: diff.Workload{Kind: "StatefulSet", Name: "store-gateway"}, To: diff.Workload{Kind: "StatefulSet", Name: "mimir-backend"}},
	}}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	p := &recording{set: map[string]string{}}
	if err := NewCompare(spec, Deps{Rendered: rendered}).Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got := p.set["pair/Deployment/querier~Deployment/mimir-read"]
	if !strings.HasPrefix(got, "Deployment/querier vs Deployment/mimir-read: 1 differences (") || !strings.Contains(got, "replicas") {
		t.Errorf("querier pair: %q", got)
	}
	missing := p.set["pair/StatefulSet/store-gateway~StatefulSet/mimir-backend"]
	if !strings.Contains(missing, "not compared, missing") || !strings.Contains(missing, "store-gateway") {
		t.Errorf("store-gateway pair: %q", missing)
	}
	if len(p.Reports) != 2 {
		t.Errorf("reports = %q, want one per pair", p.Reports)
	}

	broken := func(context.Context) ([]*unstructured.Unstructured, error) { return nil, errors.New("render failed") }
	if err := NewCompare(spec, Deps{Rendered: broken}).Apply(context.Background(), p); err == nil || err.Error() != "render failed" {
		t.Errorf("a failed render: %v", err)
	}
}
