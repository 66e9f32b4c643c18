package gatetest

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Spec is a gate or action spec as step files give it.
type Spec interface {
	Validate() error
	Describe() string
}

// DecodeStrict decodes src, a step-file snippet, into into as the plan
// loader does (unknown fields are errors), then validates it; the test
// fails, naming src, on either error.
func DecodeStrict(t testing.TB, src string, into Spec) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("decode:\n%s\n%v", src, err)
	}
	if err := into.Validate(); err != nil {
		t.Fatalf("validate:\n%s\n%v", src, err)
	}
}

// Snippet is a step-file snippet that must decode into Into and describe
// itself as Describe.
type Snippet struct {
	Name, Src string
	Into      Spec
	Describe  string
}

// TestSnippets runs each snippet as a subtest: DecodeStrict, then compare
// Describe().
func TestSnippets(t *testing.T, snippets []Snippet) {
	t.Helper()
	for _, tt := range snippets {
		t.Run(tt.Name, func(t *testing.T) {
			DecodeStrict(t, tt.Src, tt.Into)
			if got := tt.Into.Describe(); got != tt.Describe {
				t.Errorf("Describe()\n got %s\nwant %s", got, tt.Describe)
			}
		})
	}
}

// Invalid is a spec whose Validate must fail with an error containing Want.
type Invalid struct {
	Name string
	Spec Spec
	Want string
}

// TestInvalid runs each case as a subtest: Validate must fail, naming Want.
func TestInvalid(t *testing.T, cases []Invalid) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			if err := tt.Spec.Validate(); err == nil || !strings.Contains(err.Error(), tt.Want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.Want)
			}
		})
	}
}
