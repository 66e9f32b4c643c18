// Package containerinit turns a freshly cloned process into a container and
// then executes the container's program in its place.
//
// The node agent starts the localcluster binary's hidden "container-init"
// command in new mount and UTS namespaces; Run then joins the pod's network
// namespace, builds a root file system (an overlay of the host's root with a
// tmpfs as writable layer, so nothing the container writes outside its
// volumes reaches the host), binds the volumes at their mount paths, writes
// /etc/hosts, /etc/resolv.conf and /etc/hostname, pivots into that root, sets
// the hostname and executes the program. The process id stays the same, so
// the agent supervises the real program.
package containerinit

import (
	"encoding/json"
	"fmt"
	"os"
)

// Bind is a host path mounted into the container.
type Bind struct {
	Source   string `json:"source"` // host path (directory or file)
	Target   string `json:"target"` // path inside the container
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// Spec is everything Run needs, written by the agent as JSON.
type Spec struct {
	// Netns is the pod's network namespace file; empty keeps the host network.
	Netns string `json:"netns,omitempty"`
	// RootDir and ScratchDir are empty host directories used as mount points
	// for the container root and its writable layer.
	RootDir    string `json:"rootDir"`
	ScratchDir string `json:"scratchDir"`
	TmpfsSize  string `json:"tmpfsSize"`
	Hostname   string `json:"hostname"`
	// Files are written into the container root (e.g. /etc/hosts).
	Files map[string]string `json:"files,omitempty"`
	// Dirs are created in the container root.
	Dirs       []string `json:"dirs,omitempty"`
	Binds      []Bind   `json:"binds,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	// Path is the program (absolute, or looked up in PATH inside the root).
	Path string   `json:"path"`
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	// ErrorFile receives the reason when setup fails before the program runs.
	ErrorFile string `json:"errorFile,omitempty"`
}

// ExitSetupFailed is the exit code when the container could not be set up;
// the reason is in Spec.ErrorFile.
const ExitSetupFailed = 128

// WriteSpec stores s at path for Run.
func WriteSpec(path string, s *Spec) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode container spec: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write container spec %s: %w", path, err)
	}
	return nil
}

// Main runs the spec at path and exits: it returns only through os.Exit.
func Main(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(nil, fmt.Errorf("read container spec: %w", err))
	}
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		fail(nil, fmt.Errorf("decode container spec %s: %w", path, err))
	}
	// Opened now: after the pivot the host's files are out of reach. The
	// descriptor closes on exec.
	var errFile *os.File
	if s.ErrorFile != "" {
		errFile, _ = os.OpenFile(s.ErrorFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	}
	fail(errFile, Run(&s))
}

func fail(errFile *os.File, err error) {
	msg := fmt.Sprintf("container-init: %v\n", err)
	fmt.Fprint(os.Stderr, msg)
	if errFile != nil {
		_, _ = errFile.WriteString(msg)
		_ = errFile.Close()
	}
	os.Exit(ExitSetupFailed)
}
