package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"
)

func loadStream(t *testing.T, name string) Objects {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out Objects
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		obj := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
	return out
}

func TestComparePairs(t *testing.T) {
	objs := loadStream(t, "rendered/pairs.yaml")
	pairs := []WorkloadPair{
		{From: Workload{"Deployment", "querier"}, To: Workload{"Deployment", "mimir-read"}},
		{From: Workload{"Deployment", "query-frontend"}, To: Workload{"Deployment", "mimir-read"}},
		{From: Workload{"Deployment", "ruler-querier"}, To: Workload{"Deployment", "mimir-read"}},
	}
	r, err := ComparePairs(context.Background(), objs, pairs)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Differs() {
		t.Fatal("querier and mimir-read differ, the report says they do not")
	}
	if got := r.Results[1]; len(got.Changes) != 0 || len(got.Missing) != 0 {
		t.Fatalf("identical specs reported as %+v", got)
	}
	if got := r.Results[2].Missing; len(got) != 1 || got[0] != "Deployment/ruler-querier" {
		t.Fatalf("missing = %v", got)
	}
	var human bytes.Buffer
	if err := r.WriteHuman(&human, ColorNever); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "pairs/read.txt", human.Bytes())
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "pairs/read.json", append(js, '\n'))
}

func TestDefaultPairsFollowTheMigrationDoc(t *testing.T) {
	var got []string
	for _, p := range DefaultPairs() {
		got = append(got, p.From.Name+">"+p.To.Name)
	}
	want := "distributor>mimir-write-zone-a ingester-zone-a>mimir-write-zone-a ingester-zone-b>mimir-write-zone-b " +
		"ingester-zone-c>mimir-write-zone-c query-frontend>mimir-read querier>mimir-read ruler-query-frontend>mimir-read " +
		"ruler-querier>mimir-read overrides-exporter>mimir-backend-zone-a query-scheduler>mimir-backend-zone-a " +
		"ruler-query-scheduler>mimir-backend-zone-a ruler>mimir-backend-zone-a compactor>mimir-backend-zone-a " +
		"store-gateway-zone-a>mimir-backend-zone-a store-gateway-zone-b>mimir-backend-zone-b store-gateway-zone-c>mimir-backend-zone-c"
	if strings.Join(got, " ") != want {
		t.Fatalf("pairs:\n%s\nwant:\n%s", strings.Join(got, " "), want)
	}
}
