package mimirctl_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/internal/ringfake"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
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

func TestRingReadsThePageOfTheFirstPodThatServesIt(t *testing.T) {
	tg := fakeTarget(
		ringfake.RunningPod("mimir", "ingester-zone-a-0", "ingester-zone-a"),
		ringfake.RunningPod("mimir", "ingester-zone-b-0", "ingester-zone-b"),
	)
	pages := ingesterRing()
	tg.SetPods(pages)
	res, err := mimirctl.Ring(context.Background(), tg, mimirctl.RingOptions{Name: "ingester", Pods: "name=ingester-zone-b"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != "/ingester/ring" || res.Ring.Name != "ingester" || res.From.Name != "ingester-zone-b-0" || len(res.Ring.Instances) != 3 || !res.Ring.Now.Equal(exampleNow) {
		t.Errorf("ring %+v from %s at %s", res.Ring, res.From, res.Path)
	}
	if got := strings.Join(pages.Requests(), "\n"); got != "GET mimir/ingester-zone-b-0:8080 /ingester/ring" {
		t.Errorf("requests:\n%s\nwant one GET to the chosen pod", got)
	}
}

func TestRingOnPodsThatDoNotServeIt(t *testing.T) {
	tg := fakeTarget(ringfake.RunningPod("mimir", "distributor-0", "distributor"))
	tg.SetPods(ingesterRing())
	_, err := mimirctl.Ring(context.Background(), tg, mimirctl.RingOptions{Name: "/distributor/ring", Pods: "name=distributor"})
	if !errors.Is(err, ringcheck.ErrNotServed) || !strings.HasSuffix(err.Error(), "; choose the pods that serve the ring with --pods") {
		t.Errorf("error %v, want ringcheck.ErrNotServed and the fix", err)
	}
}

func TestForget(t *testing.T) {
	ctx := context.Background()
	read := func(t *testing.T) (*mimirctl.Target, *ringfake.Pages, *mimirctl.RingResult) {
		t.Helper()
		tg := fakeTarget(ringfake.RunningPod("mimir", "ingester-zone-a-0", "ingester-zone-a"))
		pages := ingesterRing()
		tg.SetPods(pages)
		ring, err := mimirctl.Ring(ctx, tg, mimirctl.RingOptions{Name: "ingester"})
		if err != nil {
			t.Fatal(err)
		}
		return tg, pages, ring
	}
	t.Run("an unknown instance", func(t *testing.T) {
		tg, pages, ring := read(t)
		_, err := mimirctl.Forget(ctx, tg, mimirctl.ForgetOptions{Ring: ring, Instance: "ingester-zone-d-0"})
		if !errors.Is(err, ringcheck.ErrInstanceNotFound) || !strings.Contains(err.Error(), "members: ingester-zone-a-0, ingester-zone-b-0, ingester-zone-c-0") {
			t.Errorf("error %v", err)
		}
		if len(pages.Forgotten()) > 0 {
			t.Errorf("forgot %v", pages.Forgotten())
		}
	})
	t.Run("a member that heartbeats is refused unless forced", func(t *testing.T) {
		tg, pages, ring := read(t)
		res, err := mimirctl.Forget(ctx, tg, mimirctl.ForgetOptions{Ring: ring, Instance: "ingester-zone-a-0"})
		if err == nil || !strings.Contains(err.Error(), "refuse to forget ingester-zone-a-0: it still heartbeats") || res.Gone || len(pages.Forgotten()) > 0 {
			t.Fatalf("without Force: %+v, %v, forgot %v", res, err, pages.Forgotten())
		}
		res, err = mimirctl.Forget(ctx, tg, mimirctl.ForgetOptions{Ring: ring, Instance: "ingester-zone-a-0", Force: true})
		if err != nil || !res.Gone || res.Before.ID != "ingester-zone-a-0" || strings.Join(pages.Forgotten(), ",") != "ingester-zone-a-0" {
			t.Errorf("with Force: %+v, %v, forgot %v", res, err, pages.Forgotten())
		}
	})
	t.Run("through the pod Ring read the page from", func(t *testing.T) {
		tg, pages, ring := read(t)
		if _, err := mimirctl.Forget(ctx, tg, mimirctl.ForgetOptions{Ring: ring, Instance: "ingester-zone-c-0"}); err != nil {
			t.Fatal(err)
		}
		want := "GET mimir/ingester-zone-a-0:8080 /ingester/ring\n" + // Ring
			"GET mimir/ingester-zone-a-0:8080 /ingester/ring\n" + // the member as it is now
			"POST mimir/ingester-zone-a-0:8080 /ingester/ring\n" +
			"GET mimir/ingester-zone-a-0:8080 /ingester/ring" // gone?
		if got := strings.Join(pages.Requests(), "\n"); got != want {
			t.Errorf("requests:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestForgetNeedsTheRingRingRead(t *testing.T) {
	tg := fakeTarget()
	tg.SetPods(ingesterRing())
	if _, err := mimirctl.Forget(context.Background(), tg, mimirctl.ForgetOptions{Instance: "ingester-zone-c-0"}); err == nil || !strings.Contains(err.Error(), "no ring given") {
		t.Errorf("error %v", err)
	}
}
