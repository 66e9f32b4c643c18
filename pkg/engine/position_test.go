package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
	"github.com/mimirctl/mimirctl/plans"
)

// builtinVariants are the built-in plans with parameters that make them
// change the Tanka environment (the cases that have a trail).
var builtinVariants = []struct {
	dir    string
	params map[string]string
}{
	{"microservices-to-read-write", nil},
	{"microservices-to-read-write", map[string]string{"mimirReadAutoscaling": "true"}},
	{"read-write-to-microservices", wayBack},
	{"ring-kv-to-memberlist", nil},
	{"ring-kv-to-memberlist", map[string]string{"clusterLabel": "prod-eu-1.mimir"}},
	{"ha-tracker-kv-to-memberlist", nil},
	{"ha-tracker-kv-to-memberlist", map[string]string{"oldStore": "consul", "argsFields": "distributor_args,mimir_write_args"}},
	{"ingester-zone-shutdown", map[string]string{"zone": "zone-b", "tankaField": "ingester_zone_b_statefulset"}},
	{"memberlist-cluster-label", map[string]string{"label": "prod-eu-1.mimir"}},
}

// wayBack are read-write-to-microservices' required parameters.
var wayBack = map[string]string{"ingesterReplicas": "3", "storeGatewayReplicas": "3"}

func loadBuiltin(t *testing.T, dir string, params map[string]string) *plan.Plan {
	t.Helper()
	p, err := plan.Load(plans.FS, dir, plan.LoadOptions{Registry: Registry(), Params: params})
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return p
}

// after returns the overlay a run leaves once the first n jsonnet changes of
// specs are made, starting from start.
func after(start *tanka.Overlay, specs []*envchange.JsonnetSpec, n int) *tanka.Overlay {
	o := start.Clone()
	for _, s := range specs[:n] {
		s.ApplyTo(o)
	}
	return o
}

func lastHolding(holds []bool) int {
	at := -1
	for i, h := range holds {
		if h {
			at = i
		}
	}
	return at
}

// Every built-in plan, found in each of its intermediate states with no run
// state, is placed exactly there: the last change that holds is the one
// made last, so a new run re-applies no earlier step over a later state.
func TestEveryBuiltinPlanIsPlacedAtEachOfItsIntermediateStates(t *testing.T) {
	for _, v := range builtinVariants {
		t.Run(fmt.Sprintf("%s%v", v.dir, v.params), func(t *testing.T) {
			p := loadBuiltin(t, v.dir, v.params)
			refs, specs := envchange.JsonnetChanges(p)
			if len(specs) == 0 {
				t.Fatalf("%s with %v changes no environment: it needs no place in this test", v.dir, v.params)
			}
			// Leftovers of other plans outside what this plan touches do not
			// move the position.
			start := &tanka.Overlay{Config: map[string]any{"someone_elses_knob": true}}
			for n := 0; n <= len(specs); n++ {
				holds, missing := envchange.OverlayTrail(after(start, specs, n), specs)
				if got := lastHolding(holds); got != n-1 {
					where := "before the first change"
					if got >= 0 {
						where = "at step " + p.Steps[refs[got].Step].ID
					}
					t.Errorf("after %d of %d changes the plan is placed %s (holds %v, missing %v)", n, len(specs), where, holds, missing)
				}
			}
		})
	}
}

// A round trip: the end state of one direction is the start of the other,
// and no step of the other is behind it.
func TestReadWriteRoundTripStartsEachDirectionAtItsFirstStep(t *testing.T) {
	fwd := loadBuiltin(t, "microservices-to-read-write", nil)
	back := loadBuiltin(t, "read-write-to-microservices", wayBack)
	frefs, fs := envchange.JsonnetChanges(fwd)
	_, bs := envchange.JsonnetChanges(back)
	readWrite := after(&tanka.Overlay{}, fs, len(fs))
	if holds, _ := envchange.OverlayTrail(readWrite, bs); lastHolding(holds) != -1 {
		t.Errorf("after the forward migration, the way back is placed at change %d (holds %v)", lastHolding(holds), holds)
	}
	// The way back keeps zone awareness (the forward plan's first change):
	// the forward plan may be placed at it, but no step is behind.
	micro := after(readWrite, bs, len(bs))
	if holds, _ := envchange.OverlayTrail(micro, fs); lastHolding(holds) > 0 || (lastHolding(holds) == 0 && frefs[0].Step != 0) {
		t.Errorf("after the way back, the forward migration is placed at change %d (holds %v)", lastHolding(holds), holds)
	}
	// Midway back, the forward plan does not claim the cluster either.
	for n := 1; n < len(bs); n++ {
		if holds, _ := envchange.OverlayTrail(after(readWrite, bs, n), fs); lastHolding(holds) == len(fs)-1 {
			t.Errorf("%d changes into the way back, the forward plan still reads as finished", n)
		}
	}
}

// The binder reads the environment's overlay file: a finished forward
// migration (as after `make demo`) read with no run state places a new run
// at its last step, and the preview shows every earlier step as done
// without checking it.
func TestBinderTrailReadsTheEnvironmentsOverlay(t *testing.T) {
	env := testEnv(t)
	p := loadBuiltin(t, "microservices-to-read-write", nil)
	refs, specs := envchange.JsonnetChanges(p)
	o := after(&tanka.Overlay{}, specs, len(specs))
	if err := tanka.WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	b := NewBinder(Deps{Namespace: "mimir", Options: Options{Env: env}})
	trail, err := b.Trail(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(trail.Points) != len(refs) || lastHolding(trail.Holds) != len(refs)-1 {
		t.Fatalf("trail = %+v", trail)
	}
	if !strings.HasSuffix(trail.Document, tanka.OverlayFile) {
		t.Errorf("document = %q", trail.Document)
	}
	// One step back: step 8's change is not there, step 7's last one is.
	if err := tanka.WriteOverlay(env, after(&tanka.Overlay{}, specs, len(specs)-1)); err != nil {
		t.Fatal(err)
	}
	trail, err = b.Trail(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got := lastHolding(trail.Holds); got != len(refs)-2 {
		t.Fatalf("one change short: placed at %d, want %d", got, len(refs)-2)
	}
	last := len(refs) - 1
	if len(trail.Missing[last]) == 0 || !strings.Contains(strings.Join(trail.Missing[last], " "), "config.deployment_mode") {
		t.Errorf("missing for the last change = %v", trail.Missing[last])
	}
}
