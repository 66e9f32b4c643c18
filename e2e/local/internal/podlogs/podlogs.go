// Package podlogs finds container log files in a cluster's state directory:
// <state>/logs/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, one
// file per run of a container (stdout and stderr interleaved, as written).
package podlogs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
)

// Find returns the log of the latest run (or the one before with previous)
// of container in the newest pod named namespace/pod. An empty container
// is fine when the pod has only one.
func Find(l config.Layout, namespace, pod, container string, previous bool) (string, error) {
	podDir, err := newestPodDir(l, namespace, pod)
	if err != nil {
		return "", err
	}
	if container == "" {
		entries, err := os.ReadDir(podDir)
		if err != nil {
			return "", fmt.Errorf("list containers of pod %s/%s: %w", namespace, pod, err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if len(names) != 1 {
			return "", fmt.Errorf("pod %s/%s has containers %s: name one", namespace, pod, strings.Join(names, ", "))
		}
		container = names[0]
	}
	runs, err := Runs(filepath.Join(podDir, container))
	if err != nil || len(runs) == 0 {
		return "", fmt.Errorf("container %s of pod %s/%s has no log yet (has it started?)", container, namespace, pod)
	}
	i := len(runs) - 1
	if previous {
		i--
	}
	if i < 0 {
		return "", fmt.Errorf("container %s of pod %s/%s has no previous run", container, namespace, pod)
	}
	return runs[i], nil
}

// newestPodDir picks the most recently created pod directory of that name
// (StatefulSet pods come back with the same name and a new UID).
func newestPodDir(l config.Layout, namespace, pod string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(l.PodLogsRoot(), fmt.Sprintf("%s_%s_*", namespace, pod)))
	var best string
	var bestTime int64
	for _, m := range matches {
		// The UID never contains '_', so "<ns>_<pod>_" must be followed by the UID alone.
		if strings.Contains(strings.TrimPrefix(filepath.Base(m), namespace+"_"+pod+"_"), "_") {
			continue
		}
		if fi, err := os.Stat(m); err == nil && fi.ModTime().UnixNano() >= bestTime {
			best, bestTime = m, fi.ModTime().UnixNano()
		}
	}
	if best == "" {
		return "", fmt.Errorf("no logs for pod %s/%s in %s (is the pod scheduled on the local cluster?)", namespace, pod, l.PodLogsRoot())
	}
	return best, nil
}

// Runs lists a container's log files in run order.
func Runs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type run struct {
		n    int
		path string
	}
	var runs []run
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".log"))
		if err == nil && strings.HasSuffix(e.Name(), ".log") {
			runs = append(runs, run{n, filepath.Join(dir, e.Name())})
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].n < runs[j].n })
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.path
	}
	return out, nil
}

// Tail writes the last n lines of the file at path to w (all when n < 0).
func Tail(w io.Writer, path string, n int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if n < 0 {
		_, err = io.Copy(w, f)
		return err
	}
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	for _, l := range lines {
		if _, err := w.Write(append(l, '\n')); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Follow writes what is appended to path from now on to w, calling flush
// after each write, until ctx ends.
func Follow(ctx context.Context, w io.Writer, path string, flush func()) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return
	}
	buf := make([]byte, 32*1024)
	for {
		n, _ := f.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return
			}
			flush()
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}
