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
