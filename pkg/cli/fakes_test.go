package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

// testCLI runs commands against testdata plans, a fake cluster and a state
// file in a temporary directory.
type testCLI struct {
	t     *testing.T
	world *plantest.World
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
	return &testCLI{t: t, world: plantest.NewWorld(), dir: t.TempDir(), builtin: builtin,
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
			Registry:     plantest.NewRegistry,
			Binder: func(_ context.Context, _ *mimirctl.Target, b BindOptions) (plan.Binder, error) {
				c.bound = b
				return plantest.Binder{World: c.world}, nil
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
