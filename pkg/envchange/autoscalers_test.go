package envchange

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// A step that scales a Deployment below the floor of the autoscaler that
// owns its replicas is refused before the overlay file is written, and its
// preview warns: the step would report success and the autoscaler would
// bring the replicas back.
func TestAStepAnAutoscalerWouldUndoIsRefusedBeforeAnythingChanges(t *testing.T) {
	env := testEnv(t)
	if err := tanka.WriteOverlay(env, &tanka.Overlay{}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(tanka.OverlayPath(env))
	api, err := kubefake.New(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "querier", Namespace: "mimir"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}},
		&autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "querier", Namespace: "mimir"}, Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "querier"},
			MinReplicas:    ptr.To[int32](2), MaxReplicas: 5,
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	step := "- id: a\n  title: A\n  actions:\n    - jsonnet: {objects: {querier_deployment: {spec: {replicas: 1}}}}\n"
	p, err := plan.Load(fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(step)}}, "p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	b := newTestBinder(Deps{Dynamic: api.Dynamic(), Mapper: api.Mapper(), Namespace: "mimir"}, env)

	ch := preview(t, b, p, 0)
	if !strings.Contains(strings.Join(ch.Warnings, "\n"), "HorizontalPodAutoscaler querier keeps it at 2 or more") {
		t.Fatalf("the preview does not warn about the HPA: %q", ch.Warnings)
	}
	a, err := b.BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	err = a.Apply(context.Background(), &testkit.Progress{})
	if err == nil || !strings.Contains(err.Error(), "Deployment mimir/querier: this step sets replicas 1, but HorizontalPodAutoscaler querier") {
		t.Fatalf("want a refusal naming the HPA, got %v", err)
	}
	if after, _ := os.ReadFile(tanka.OverlayPath(env)); string(after) != string(before) {
		t.Fatalf("a refused step wrote the overlay file:\n%s", after)
	}
}
