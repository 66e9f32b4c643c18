package volumes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File is one file of a projected volume (ConfigMap, Secret, downward API).
type File struct {
	Data []byte
	Mode os.FileMode
}

// Payload maps relative paths to files.
type Payload map[string]File

// dataLink is the symlink to the current payload directory, as the kubelet
// names it. Files seen by the container are symlinks "key -> ..data/key", so
// one rename switches every file at once and a bind-mounted volume directory
// shows updates immediately.
const dataLink = "..data"

// WriteAtomic makes dir hold exactly payload, the way the kubelet's
// AtomicWriter does. It reports whether anything changed.
func WriteAtomic(dir string, payload Payload) (bool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("create volume directory %s: %w", dir, err)
	}
	if same(dir, payload) {
		return false, nil
	}
	old, _ := os.Readlink(filepath.Join(dir, dataLink))
	tsDir, err := os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, fmt.Errorf("create payload directory in %s: %w", dir, err)
	}
	if err := os.Chmod(tsDir, 0o755); err != nil {
		return false, fmt.Errorf("chmod %s: %w", tsDir, err)
	}
	for rel, f := range payload {
		p := filepath.Join(tsDir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return false, fmt.Errorf("create directory for %s: %w", p, err)
		}
		if err := os.WriteFile(p, f.Data, f.Mode.Perm()); err != nil {
			return false, fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.Chmod(p, f.Mode.Perm()); err != nil {
			return false, fmt.Errorf("chmod %s: %w", p, err)
		}
	}
	tmpLink := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(tsDir), tmpLink); err != nil {
		return false, fmt.Errorf("link payload in %s: %w", dir, err)
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataLink)); err != nil {
		return false, fmt.Errorf("switch payload in %s: %w", dir, err)
	}
	if err := linkTopLevel(dir, payload); err != nil {
		return false, err
	}
	if old != "" && old != filepath.Base(tsDir) {
		_ = os.RemoveAll(filepath.Join(dir, old))
	}
	return true, nil
}

// same reports whether dir's current payload equals payload.
func same(dir string, payload Payload) bool {
	cur := filepath.Join(dir, dataLink)
	if _, err := os.Stat(cur); err != nil {
		return false
	}
	n := 0
	err := filepath.WalkDir(cur+"/", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel, _ := filepath.Rel(cur, p)
		f, ok := payload[rel]
		data, rerr := os.ReadFile(p)
		info, ierr := d.Info()
		if !ok || rerr != nil || ierr != nil || !bytes.Equal(data, f.Data) || info.Mode().Perm() != f.Mode.Perm() {
			return errDiffers
		}
		return nil
	})
	return err == nil && n == len(payload)
}

var errDiffers = fmt.Errorf("payload differs")

// linkTopLevel creates "name -> ..data/name" for every top-level name of
// payload and removes links of names no longer in it.
func linkTopLevel(dir string, payload Payload) error {
	want := map[string]bool{}
	for rel := range payload {
		want[strings.SplitN(rel, "/", 2)[0]] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list volume directory %s: %w", dir, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") || want[e.Name()] {
			continue
		}
		if e.Type()&os.ModeSymlink != 0 {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		link := filepath.Join(dir, n)
		if target, err := os.Readlink(link); err == nil && target == filepath.Join(dataLink, n) {
			continue
		}
		_ = os.Remove(link)
		if err := os.Symlink(filepath.Join(dataLink, n), link); err != nil {
			return fmt.Errorf("link %s: %w", link, err)
		}
	}
	return nil
}
