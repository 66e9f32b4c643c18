//go:build e2e

package suite

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// toolCost is what one mimirctl process that ran plan steps cost: its
// wall-clock time, CPU time (user and system, from its rusage), peak
// resident set size (sampled, see runSampled), and the split of
// each step it ran from start to finish (scenario.StepTimes, from its JSON
// events when it ran with -o json). A Job's run has steps only.
type toolCost struct {
	test, command string
	took, cpu     time.Duration
	peakRSS       int64 // bytes; 0 when not measured (a Job's run)
	steps         []scenario.StepTime
}

var costs struct {
	sync.Mutex
	list []toolCost
}

// runsSteps reports whether mimirctl args run plan steps: apply, resume, or
// a zone shutdown that is not a preview.
func runsSteps(args []string) bool {
	switch {
	case len(args) > 0 && (args[0] == "apply" || args[0] == "resume"):
		return true
	case len(args) > 1 && args[0] == "ingester" && args[1] == "shutdown-zone":
		return !slices.Contains(args, "--plan")
	}
	return false
}

// measureCPU fills r's CPU time (user and system) from the finished cmd's
// rusage.
func measureCPU(cmd *exec.Cmd, r *result) {
	if cmd.ProcessState == nil {
		return
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
}

// runSampled runs cmd and returns its peak resident set size in bytes:
// the kernel's high-water mark (VmHWM of /proc/PID/status) read every 100
// ms until the process exits, so a peak in its last 100 ms can be missed.
// The rusage's ru_maxrss cannot serve: Go starts a child sharing the
// parent's memory until it execs (CLONE_VM), and the kernel then carries
// the parent's peak into the child's, so every mimirctl run would show the
// test process's own RSS (it did: 607 MiB for a 70 ms refusal).
func runSampled(cmd *exec.Cmd) (int64, error) {
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	var peak int64
	done, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, highWaterRSS(cmd.Process.Pid))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-sampled
	return peak, err
}

// highWaterRSS is VmHWM of process pid in bytes (0 when it cannot be read,
// e.g. after the process exited).
func highWaterRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// recordCost keeps the cost of a mimirctl run that ran steps and logs it.
func recordCost(t *testing.T, args []string, r result) {
	t.Helper()
	if !runsSteps(args) {
		return
	}
	c := toolCost{test: t.Name(), command: strings.Join(args[:min(len(args), 2)], " "), took: r.took, cpu: r.cpu, peakRSS: r.peakRSS}
	evs, err := scenario.ParseEvents(r.stdout)
	if err != nil {
		t.Errorf("mimirctl %s: its output: %v", c.command, err)
	}
	c.steps = scenario.StepTimes(evs)
	addCost(t, c)
}

// recordJobCost keeps the step split of a Job's run (no process figures:
// the process ran in the cluster).
func recordJobCost(t *testing.T, name string, took time.Duration, evs []plan.Event) {
	t.Helper()
	addCost(t, toolCost{test: t.Name(), command: "Job " + name, took: took, steps: scenario.StepTimes(evs)})
}

func addCost(t *testing.T, c toolCost) {
	t.Helper()
	var b strings.Builder
	writeCost(&b, c)
	t.Log(strings.TrimRight(b.String(), "\n"))
	costs.Lock()
	defer costs.Unlock()
	costs.list = append(costs.list, c)
}

func writeCost(w io.Writer, c toolCost) {
	rss, cpu := "not measured", "not measured"
	if c.peakRSS > 0 {
		rss = fmt.Sprintf("%.1f MiB", float64(c.peakRSS)/(1<<20))
		cpu = c.cpu.Round(10 * time.Millisecond).String()
	}
	fmt.Fprintf(w, "mimirctl %s (%s): wall %s, CPU %s, peak RSS %s\n", c.command, c.test, c.took.Round(time.Second), cpu, rss)
	for _, s := range c.steps {
		fmt.Fprintf(w, "  %s\n", s)
	}
}

// reportCosts writes every recorded cost and the largest figures: peak RSS
// (goal < 100 MiB), CPU time of one run (mimirctl's own work; the goal is
// ≤ 30 s of overhead per step) and a step's rest.
func reportCosts(w io.Writer) {
	costs.Lock()
	defer costs.Unlock()
	if len(costs.list) == 0 {
		return
	}
	fmt.Fprintln(w, "\n=== mimirctl's cost in the scenarios (wall = actions + gates + waits + rest per step)")
	var peak int64
	var rest scenario.StepTime
	var cpu time.Duration
	for _, c := range costs.list {
		writeCost(w, c)
		peak = max(peak, c.peakRSS)
		cpu = max(cpu, c.cpu)
		for _, s := range c.steps {
			if s.Rest > rest.Rest {
				rest = s
			}
		}
	}
	fmt.Fprintf(w, "largest peak RSS %.1f MiB (goal < 100 MiB); most CPU in one run %s (goal: ≤ 30s of overhead per step); largest rest of a step %s (%s)\n",
		float64(peak)/(1<<20), cpu.Round(10*time.Millisecond), rest.Rest.Round(100*time.Millisecond), rest.Step)
}
