package ringcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDecodeCapturedPages(t *testing.T) {
	tests := []struct {
		name     string
		version  string
		file     string
		wantIDs  []string
		wantStat []string
		check    func(t *testing.T, r *Ring)
	}{
		{
			name: "a 2.9.0 ingester page gives ids, states, zones and token counts", version: "2.9.0", file: "ring-ingester-active.json",
			wantIDs: []string{"mimir-write-zone-a-0", "mimir-write-zone-b-0"}, wantStat: []string{"ACTIVE", "ACTIVE"},
			check: func(t *testing.T, r *Ring) {
				if r.Instances[0].Zone != "zone-a" || r.Instances[0].Tokens != 128 || r.Instances[0].ReadOnly {
					t.Errorf("member 0 = %+v, want zone-a, 128 tokens, not read-only", r.Instances[0])
				}
			},
		},
		{
			name: "a 2.9.0 page shows a stale member as UNHEALTHY and a joining one as JOINING", version: "2.9.0", file: "ring-ingester-unhealthy.json",
			wantIDs:  []string{"mimir-write-zone-a-0", "mimir-write-zone-b-0", "mimir-write-zone-c-0"},
			wantStat: []string{"ACTIVE", "UNHEALTHY", "JOINING"},
		},
		{
			name: "a 3.0.5 page carries read_only and its timestamp", version: "3.0.5", file: "ring-ingester-read-only.json",
			wantIDs: []string{"ingester-zone-a-0", "ingester-zone-b-0"}, wantStat: []string{"ACTIVE", "ACTIVE"},
			check: func(t *testing.T, r *Ring) {
				a, b := r.Instances[0], r.Instances[1]
				if a.ReadOnly || !a.ReadOnlySince.IsZero() {
					t.Errorf("a = %+v, want not read-only without a timestamp", a)
				}
				if !b.ReadOnly || b.ReadOnlySince.IsZero() {
					t.Errorf("b = %+v, want read-only with a timestamp", b)
				}
			},
		},
		{
			name: "a 3.0.5 querier page with versions decodes and skips them", version: "3.0.5", file: "ring-querier.json",
			wantIDs: []string{"ingester-zone-a-0", "ingester-zone-b-0"}, wantStat: []string{"ACTIVE", "ACTIVE"},
			check: func(t *testing.T, r *Ring) {
				if r.Instances[0].Tokens != 1 {
					t.Errorf("querier ring member has %d tokens, want 1", r.Instances[0].Tokens)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := captured(t, tt.version, tt.file)
			var ids, states []string
			for _, in := range r.Instances {
				ids, states = append(ids, in.ID), append(states, in.State)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") || strings.Join(states, ",") != strings.Join(tt.wantStat, ",") {
				t.Errorf("ids %v states %v, want %v %v", ids, states, tt.wantIDs, tt.wantStat)
			}
			if r.Now.IsZero() {
				t.Error("page time not read")
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// fullShard is the straightforward decoding the streaming decoder must agree with.
type fullShard struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	Zone      string    `json:"zone"`
	Timestamp time.Time `json:"timestamp"`
	ReadOnly  bool      `json:"read_only"`
	Tokens    []uint32  `json:"tokens"`
}

func TestStreamingDecodeMatchesAFullDecodeOfEveryCapturedPage(t *testing.T) {
	files, _ := filepath.Glob("testdata/mimir-*/ring-*.json")
	if len(files) < 20 {
		t.Fatalf("found %d captured ring pages, want at least 20", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var full struct {
			Shards []fullShard `json:"shards"`
		}
		if err := json.Unmarshal(b, &full); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		r, err := Decode(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(r.Instances) != len(full.Shards) {
			t.Fatalf("%s: %d members, want %d", f, len(r.Instances), len(full.Shards))
		}
		for i, s := range full.Shards {
			in := r.Instances[i]
			if in.ID != s.ID || in.State != s.State || in.Zone != s.Zone || !in.Heartbeat.Equal(s.Timestamp) ||
				in.ReadOnly != s.ReadOnly || in.Tokens != len(s.Tokens) {
				t.Errorf("%s member %d: got %+v, want %+v with %d tokens", f, i, in, s, len(s.Tokens))
			}
		}
	}
}

func TestDecodeRefusesWhatIsNotARingPage(t *testing.T) {
	html, _ := os.ReadFile("testdata/mimir-3.0.5/ring-ingester.html")
	notFound, _ := os.ReadFile("testdata/mimir-2.9.0/ring-not-served.txt")
	tests := []struct {
		name, body, wantErr string
	}{
		{"the HTML page (Accept header dropped on the way) is refused", string(html), "answered as JSON"},
		{"a 404 body is refused", string(notFound), "answered as JSON"},
		{"JSON without shards is refused", `{"now":"2026-11-23T14:00:00Z"}`, `no "shards"`},
		{"shards that are not a list are refused", `{"shards":{}}`, "want a list"},
		{"tokens that are neither a list nor a count are refused", `{"shards":[{"id":"a","tokens":"many"}]}`, "tokens"},
		{"a truncated page is refused", `{"shards":[{"id":"a","tokens":[1,2`, "member 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeEdgeShapes(t *testing.T) {
	tests := []struct {
		name, body string
		want       int
		tokens     int
	}{
		{"shards null is an empty ring", `{"shards":null,"now":"2026-11-23T14:00:00Z"}`, 0, 0},
		{"an empty token list counts zero", `{"shards":[{"id":"a","tokens":[]}]}`, 1, 0},
		{"null tokens count zero", `{"shards":[{"id":"a","tokens":null}]}`, 1, 0},
		{"unknown fields are skipped", `{"extra":{"x":[1,{"y":2}]},"shards":[{"id":"a","new_field":[1],"tokens":[5, 6 ,7]}]}`, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decode(strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Instances) != tt.want || (tt.want > 0 && r.Instances[0].Tokens != tt.tokens) {
				t.Fatalf("got %+v, want %d members with %d tokens", r.Instances, tt.want, tt.tokens)
			}
		})
	}
}
