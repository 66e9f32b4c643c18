package mimirctl_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

func TestRingTakesANameOrAPagePath(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		o    mimirctl.RingOptions
		want string
	}{
		// The namespace of fakeTarget has no pods: reading gets as far as
		// looking for them on the page's path.
		{"a name reads its page from its default pods", mimirctl.RingOptions{Name: "ingester"},
			`read ring /ingester/ring: found no running pods matching "name in (distributor, ingester-zone-a`},
		{"a path reads that page from the chosen pods", mimirctl.RingOptions{Name: "/custom/ring", Pods: "name=ingester-zone-a"},
			`read ring /custom/ring: found no running pods matching "name=ingester-zone-a"`},
		{"a path has no default pods", mimirctl.RingOptions{Name: "/custom/ring"},
			"ring page /custom/ring: no default pods serve it; choose them with Pods (--pods)"},
		{"an unknown name lists the known ones", mimirctl.RingOptions{Name: "ingestor"},
			`unknown ring "ingestor" (known: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mimirctl.Ring(ctx, fakeTarget(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
