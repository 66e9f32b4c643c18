// Package sweep finds and removes everything a local cluster left on the
// host, also after kill -9 of the supervisor and all its children:
//
//   - processes whose environment carries the cluster's marker
//     (config.MarkerEnv=<state dir>), found by scanning /proc/*/environ;
//   - mounts below the state directory and its named network namespaces
//     (/run/netns/mctl-<id>-*), found in /proc/self/mountinfo and /run/netns;
//   - its links (bridge mctl<id>, pod veths mctl<id>*);
//   - its /etc/netns/mctl-<id>-* entries;
//   - the state directory itself, only when it carries the cluster's stamp.
//
// where <id> comes from the state directory (config.NamesFor). Nothing that
// does not match the cluster's name prefixes, marker or state directory is
// touched: other local clusters on the same host are safe.
package sweep

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
)

// Leftovers is what a cluster left on the host.
type Leftovers struct {
	Processes []int    `json:"processes,omitempty"`
	Mounts    []string `json:"mounts,omitempty"`
	Netns     []string `json:"netns,omitempty"`
	Links     []string `json:"links,omitempty"`
	EtcNetns  []string `json:"etcNetns,omitempty"`
}

// Empty reports whether nothing is left.
func (l Leftovers) Empty() bool {
	return len(l.Processes)+len(l.Mounts)+len(l.Netns)+len(l.Links)+len(l.EtcNetns) == 0
}

// String lists the leftovers for an error message.
func (l Leftovers) String() string {
	var parts []string
	add := func(what string, items []string) {
		if len(items) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", what, strings.Join(items, ",")))
		}
	}
	pids := make([]string, len(l.Processes))
	for i, p := range l.Processes {
		pids[i] = strconv.Itoa(p)
	}
	add("processes", pids)
	add("mounts", l.Mounts)
	add("netns", l.Netns)
	add("links", l.Links)
	add("/etc/netns", l.EtcNetns)
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

// Find lists the leftovers of the cluster whose state directory is stateDir.
func Find(stateDir string) (Leftovers, error) {
	var l Leftovers
	var err error
	if l.Processes, err = MarkedProcesses(stateDir); err != nil {
		return l, err
	}
	n := config.NamesFor(stateDir)
	if l.Mounts, err = mountsUnder(stateDir, config.NetnsRunDir+"/"+n.NetnsPrefix()); err != nil {
		return l, err
	}
	l.Netns = prefixed(config.NetnsRunDir, n.NetnsPrefix())
	l.Links = prefixed("/sys/class/net", n.LinkPrefix())
	l.EtcNetns = prefixed(config.NetnsEtcDir, n.NetnsPrefix())
	return l, nil
}

// MarkedProcesses lists live processes (not this one) whose environment has
// MarkerEnv=stateDir.
func MarkedProcesses(stateDir string) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	marker := []byte(config.MarkerEnv + "=" + stateDir)
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !hasVar(env, marker) || !procs.Alive(pid) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// hasVar reports whether a NUL-separated environment block holds kv exactly.
func hasVar(env, kv []byte) bool {
	for _, v := range bytes.Split(env, []byte{0}) {
		if bytes.Equal(v, kv) {
			return true
		}
	}
	return false
}

// mountsUnder lists mount points in this mount namespace that are below dir
// or start with namePrefix, deepest first.
func mountsUnder(dir, namePrefix string) ([]string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mount table: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if strings.HasPrefix(mp, dir+"/") || mp == dir || strings.HasPrefix(mp, namePrefix) {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// prefixed lists the names in dir that start with prefix.
func prefixed(dir, prefix string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	return out
}
