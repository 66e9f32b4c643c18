package cli

import (
	"fmt"
	"strings"
)

// parseParams turns repeated --param name=value flags into a map.
func parseParams(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range flags {
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--param %q: write it as name=value", p)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}
