package plan

import "testing"

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"scal", "scale", 1}, {"vaule", "value", 2}, {"timout", "timeout", 1}, {"", "ns", 2}, {"gate", "gate", 0}, {"kitten", "sitting", 3}, {"zoné", "zone", 1}} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	plans := []string{"memberlist-cluster-label", "ingester-zone-shutdown", "ring-kv-to-memberlist", "demo"}
	for _, c := range []struct {
		name, got string
		known     []string
		want      string
	}{
		{"a typo names the closest word", "dem", plans, `did you mean "demo"?`},
		{"closeness ignores case", "Demo", plans, `did you mean "demo"?`},
		{"an abbreviation names the word it begins", "ingester-zone", plans, `did you mean "ingester-zone-shutdown"?`},
		{"of several words begun, the shortest", "rep", []string{"replicas-max", "replicas", "ns"}, `did you mean "replicas"?`},
		{"a typo wins over a longer completion", "scal", []string{"scale-down", "scale"}, `did you mean "scale"?`},
		{"a word close to none lists them sorted", "prometheus", []string{"check", "alert"}, "known: alert, check"},
		{"an empty word is completed by none", "", []string{"check", "alert"}, "known: alert, check"},
		{"no known words", "x", nil, "there are none"},
	} {
		if got := Suggest(c.got, c.known); got != c.want {
			t.Errorf("%s: Suggest(%q, %q) = %q, want %q", c.name, c.got, c.known, got, c.want)
		}
	}
}
