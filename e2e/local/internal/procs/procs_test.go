package procs

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestProcessState(t *testing.T) {
	for stat, want := range map[string]byte{
		"42 (mimir) S 1 42 42 0":          'S',
		"43 (odd) name) Z 1 43 43 0":      'Z',
		"44 (kube-apiserver) R 1 2 3 4 5": 'R',
	} {
		if got := processState([]byte(stat)); got != want {
			t.Errorf("processState(%q) = %c, want %c", stat, got, want)
		}
	}
}

func TestStartStop(t *testing.T) {
	dir := t.TempDir()
	p, err := Start(Spec{Name: "sleep", Path: "/bin/sleep", Args: []string{"60"}, LogFile: dir + "/sleep.log", PIDFile: dir + "/sleep.pid"}, "MARK=1")
	if err != nil {
		t.Fatal(err)
	}
	if ReadPID(dir+"/sleep.pid") != p.PID() || !Alive(p.PID()) {
		t.Fatalf("pid file %d, process %d alive=%v", ReadPID(dir+"/sleep.pid"), p.PID(), Alive(p.PID()))
	}
	// The parent can wake from exec before the kernel has laid out the new
	// program's environment (exec_mmap releases the vfork parent before
	// create_elf_tables sets env_start/env_end), so /proc/PID/environ may read
	// empty for a moment: wait for the layout, then check the marker.
	var env []byte
	for deadline := time.Now().Add(5 * time.Second); len(env) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		env, _ = os.ReadFile("/proc/" + strconv.Itoa(p.PID()) + "/environ")
	}
	if !containsVar(env, "MARK=1") {
		t.Errorf("marker missing from the environment (%d bytes read)", len(env))
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(dir + "/sleep.pid"); !os.IsNotExist(err) {
		t.Error("pid file left behind")
	}
}

func containsVar(env []byte, kv string) bool {
	start := 0
	for i, c := range env {
		if c == 0 {
			if string(env[start:i]) == kv {
				return true
			}
			start = i + 1
		}
	}
	return false
}
