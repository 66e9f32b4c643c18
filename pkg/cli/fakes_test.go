package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// fakeSetSpec and fakeCheckSpec are test kinds acting on a map.
type fakeSetSpec struct {
	Key    string `yaml:"key" json:"key"`
	Value  string `yaml:"value" json:"value"`
	Danger bool   `yaml:"destructive,omitempty" json:"destructive,omitempty"`
}

func (s *fakeSetSpec) Validate() error {
	if s.Key == "" {
		return errors.New("key is required")
	}
	return nil
}
func (s *fakeSetSpec) Describe() string  { return fmt.Sprintf("set %s to %s", s.Key, s.Value) }
func (s *fakeSetSpec) Destructive() bool { return s.Danger }

type fakeCheckSpec struct {
	Key    string `yaml:"key" json:"key"`
	Equals string `yaml:"equals" json:"equals"`
}

func (s *fakeCheckSpec) Validate() error  { return nil }
func (s *fakeCheckSpec) Describe() string { return fmt.Sprintf("%s is %s", s.Key, s.Equals) }

type fakeWorld struct {
	mu     sync.Mutex
	values map[string]string
	// onApply, when set, runs after an action set key (to interrupt a run).
	onApply func(key string)
}

type fakeBinder struct{ w *fakeWorld }

func (b fakeBinder) BindAction(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.ActionConfig) (plan.Action, error) {
	return fakeAction{w: b.w, s: cfg.Spec.(*fakeSetSpec)}, nil
}

func (b fakeBinder) BindGate(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.GateConfig) (plan.Gate, error) {
	return fakeGate{w: b.w, s: cfg.Spec.(*fakeCheckSpec)}, nil
}

type fakeAction struct {
	w *fakeWorld
	s *fakeSetSpec
}

func (a fakeAction) Check(context.Context) (bool, string, error) {
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	return a.w.values[a.s.Key] == a.s.Value, "now " + a.w.values[a.s.Key], nil
}

func (a fakeAction) Apply(context.Context, plan.Progress) error {
	a.w.mu.Lock()
	a.w.values[a.s.Key] = a.s.Value
	a.w.mu.Unlock()
	if a.w.onApply != nil {
		a.w.onApply(a.s.Key)
	}
	return nil
}

func (a fakeAction) Preview(context.Context) (plan.Change, error) {
	return plan.Change{Summary: "would set " + a.s.Key, Diff: "- " + a.s.Key + ": old\n+ " + a.s.Key + ": " + a.s.Value}, nil
}

type fakeGate struct {
	w *fakeWorld
	s *fakeCheckSpec
}

func (g fakeGate) Evaluate(context.Context) verdict.Observation {
	g.w.mu.Lock()
	defer g.w.mu.Unlock()
	if g.w.values[g.s.Key] == g.s.Equals {
		return verdict.Passf("%s is %s", g.s.Key, g.s.Equals)
	}
	return verdict.Failf("%s is %q", g.s.Key, g.w.values[g.s.Key])
}

// testCLI runs commands against testdata plans, a fake cluster and a state
// file in a temporary directory.
type testCLI struct {
	t     *testing.T
	world *fakeWorld
	dir   string
	clock *testkit.Clock
	kube  *fake.Clientset
	// api, when set, answers the dynamic client (diff, jsonnet actions).
	api *kubefake.Server
	// builtin is the absolute directory of the built-in test plans (tests
	// may change the working directory).
	builtin string
	// bound is what the last command bound its actions and gates with.
	bound BindOptions
	// displayName is the Factory's DisplayName ("kubectl mimir" to test
	// the kubectl plugin).
	displayName string
	// clients, when set, replace the fake cluster (integration tests).
	clients *kube.Clients
}

func newTestCLI(t *testing.T) *testCLI {
	builtin, err := filepath.Abs("testdata/plans")
	if err != nil {
		t.Fatal(err)
	}
	return &testCLI{t: t, world: &fakeWorld{values: map[string]string{}}, dir: t.TempDir(), builtin: builtin,
		clock: testkit.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)),
		kube: fake.NewClientset(
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "cluster-uid"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "mimir"}},
		)}
}

// run executes args and returns stdout, stderr and the exit code.
func (c *testCLI) run(stdin string, args ...string) (string, string, int) {
	return c.runContext(context.Background(), stdin, args...)
}

// factory is the Factory of a command run: the test plans and kinds, the
// fake clock and cluster, stdin from stdin, stdout and stderr to out and
// errOut, the run state in a file of the test's directory (for run layers
// called directly; NewRootCmd sets these fields from the global flags).
func (c *testCLI) factory(stdin string, out, errOut io.Writer) *Factory {
	f := &Factory{
		IO: IOStreams{In: strings.NewReader(stdin), Out: out, ErrOut: errOut},
		Target: mimirctl.Target{
			BuiltinPlans: os.DirFS(c.builtin),
			Registry: func() *plan.Registry {
				return plan.NewRegistry().
					AddAction(plan.ActionKind{Name: "set", New: func() plan.ActionSpec { return &fakeSetSpec{} }}).
					AddGate(plan.GateKind{Name: "check", New: func() plan.GateSpec { return &fakeCheckSpec{} }})
			},
			Binder: func(_ context.Context, _ *mimirctl.Target, b BindOptions) (plan.Binder, error) {
				c.bound = b
				return fakeBinder{w: c.world}, nil
			},
			Clock: c.clock,
		},
		DisplayName: c.displayName,
	}
	f.State, f.StateFile = "file", c.stateFile()
	clients := &kube.Clients{Kube: c.kube, Namespace: "mimir", Config: &rest.Config{Host: "https://fake.invalid"}}
	if c.api != nil {
		clients.Dynamic, clients.Mapper = c.api.Dynamic(), c.api.Mapper()
	}
	if c.clients != nil {
		clients = c.clients
	}
	f.SetClients(clients)
	return f
}

// stateFile is the test's run state file.
func (c *testCLI) stateFile() string { return filepath.Join(c.dir, "state.json") }

// runContext is run with ctx (cancel it to interrupt a run).
func (c *testCLI) runContext(ctx context.Context, stdin string, args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	f := c.factory(stdin, &out, &errOut)
	args = append([]string{"--state=file", "--state-file=" + c.stateFile()}, args...)
	err := Run(ctx, f, args)
	PrintError(&errOut, err) // as main does
	return out.String(), errOut.String(), ExitCode(err)
}
