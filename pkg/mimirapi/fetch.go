package mimirapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// ErrNotServed means the pod answered 404: the endpoint does not exist in
// its version or is not enabled for its component.
var ErrNotServed = errors.New("endpoint not served")

// get fetches path from pod t and requires a 200. accept may be empty.
func get(ctx context.Context, d podaccess.Doer, t podaccess.Target, path, accept string) ([]byte, error) {
	var hdr http.Header
	if accept != "" {
		hdr = http.Header{"Accept": {accept}}
	}
	code, body, err := podaccess.Get(ctx, d, t, path, hdr)
	switch {
	case err != nil:
		return nil, err
	case code == http.StatusNotFound:
		return nil, fmt.Errorf("GET %s on pod %s: %w (404)", path, t, ErrNotServed)
	case code != http.StatusOK:
		return body, &StatusError{Path: path, Pod: t.String(), Code: code, Body: firstLines(string(body), 3)}
	}
	return body, nil
}

// StatusError is an answer other than 200 (and 404).
type StatusError struct {
	Path, Pod string
	Code      int
	Body      string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s on pod %s: status %d: %s", e.Path, e.Pod, e.Code, e.Body)
}

// firstLines keeps at most n non-empty lines of s, joined by " / ".
func firstLines(s string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, " / ")
}
