package tanka

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	jsonnet "github.com/google/go-jsonnet"
)

// Memo keeps the output of successful evaluations on disk, so that another
// process rendering the same environment with the same overlay (a run that
// resumes in the next maintenance window, `plan` after `apply`) reads it
// instead of evaluating the library again: a render of Grafana's Mimir
// library takes seconds of CPU, and a run start renders every remaining
// jsonnet change of its plan.
//
// An entry is keyed by everything an evaluation reads besides files: the
// entrypoint, the selection program, the import paths, external variables,
// top-level arguments, the stack limit, the served overlay, tk.env's spec,
// and the build of this program (go-jsonnet and the native functions are
// part of it). It records every import the evaluation made (importing file,
// import path, the file found, a SHA-256 of its contents). An entry serves
// only when the same imports, made again through a fresh importer, find the
// same files with the same contents, so a changed file, or a new file that
// an import now finds first on the search path, evaluates afresh. Jsonnet
// evaluation reads nothing else (no clock, no environment, no network; the
// native functions are pure but helmTemplate, which reads a chart's files,
// and kustomizeBuild is refused), so a served output is the one the
// evaluation would give. Failed evaluations are never kept, nor those that
// called helmTemplate (the chart's files are no imports an entry records).
//
// Entries are files in Dir named after their key (JSON, about the size of
// the rendered output); Dir keeps the MaxEntries most recently used (a
// served entry counts as used).
// A Memo whose directory cannot be written is skipped silently: the render
// evaluates as without one.
type Memo struct {
	Dir string
	// MaxEntries bounds the entries kept (DefaultMemoEntries when 0).
	MaxEntries int
}

// DefaultMemoEntries is the number of entries a Memo keeps unless told: a
// plan of 20 steps needs about as many renders per environment.
const DefaultMemoEntries = 200

// memoFormat changes when the entries' meaning changes.
const memoFormat = 1

// UserMemo is the Memo under the user's cache directory
// ($XDG_CACHE_HOME/mimirctl/renders, ~/.cache/mimirctl/renders), nil when
// there is none or MIMIRCTL_RENDER_MEMO is "off".
func UserMemo() *Memo {
	if os.Getenv("MIMIRCTL_RENDER_MEMO") == "off" {
		return nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	return &Memo{Dir: filepath.Join(dir, "mimirctl", "renders")}
}

// memoImport is one import an evaluation made.
type memoImport struct {
	From   string `json:"from"`
	Path   string `json:"path"`
	At     string `json:"at"`
	SHA256 string `json:"sha256"`
}

type memoEntry struct {
	Imports []memoImport `json:"imports"`
	Output  string       `json:"output"`
	// OutputSHA256 guards Output against a damaged entry.
	OutputSHA256 string `json:"outputSHA256"`
	// Trace is what std.trace wrote during the evaluation, written again
	// when the entry is served.
	Trace string `json:"trace,omitempty"`
}

// memoKey is the key of an evaluation's non-file inputs.
type memoKey struct {
	Format     int               `json:"format"`
	Build      string            `json:"build"`
	Entrypoint string            `json:"entrypoint"`
	Program    string            `json:"program"`
	JPaths     []string          `json:"jpaths"`
	ExtStr     map[string]string `json:"extStr"`
	ExtCode    map[string]string `json:"extCode"`
	TLAStr     map[string]string `json:"tlaStr"`
	TLACode    map[string]string `json:"tlaCode"`
	MaxStack   int               `json:"maxStack"`
	Overlay    *string           `json:"overlay"`
	Spec       string            `json:"spec"`
}

var (
	buildOnce sync.Once
	buildID   string
)

// build identifies the running program by a SHA-256 of its executable
// file: go-jsonnet, the native functions and everything they depend on are
// in it, whatever the build stamped (a build without VCS information, or
// from a modified tree, has the same module version for different code).
// "" when the executable cannot be read: the memo is then not used.
func build() string {
	buildOnce.Do(func() {
		path, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer func() { _ = f.Close() }()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return
		}
		buildID = hex.EncodeToString(h.Sum(nil))
	})
	return buildID
}

// memoKeyOf is the Memo key of evaluating env with opts: program is the
// selection program ("" for the entrypoint as it is), imp the importer the
// evaluation uses (its overlay).
func memoKeyOf(env *Environment, opts Options, program string, imp *importer) (string, error) {
	if opts.Memo == nil || build() == "" {
		return "", nil
	}
	k := memoKey{Format: memoFormat, Build: build(), Entrypoint: env.EntrypointPath(), Program: program,
		JPaths: env.ImportPaths(), ExtStr: opts.ExtStr, ExtCode: opts.ExtCode, TLAStr: opts.TLAStr, TLACode: opts.TLACode,
		MaxStack: opts.MaxStack, Overlay: imp.overlay}
	if !env.Inline {
		spec, err := json.Marshal(env.Spec)
		if err != nil {
			return "", err
		}
		k.Spec = string(spec)
	}
	return k.hash()
}

func (k memoKey) hash() (string, error) {
	raw, err := json.Marshal(k)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

func (m *Memo) path(key string) string { return filepath.Join(m.Dir, key+".json") }

// lookup returns the kept output for key when every recorded import still
// finds the same file with the same contents through a fresh importer with
// jpaths (highest priority first) and the overlay served as in the kept
// evaluation.
func (m *Memo) lookup(key string, jpaths []string, overlay *string, overlayPath string) (*memoEntry, bool) {
	if m == nil || key == "" || m.checkDir() != nil {
		return nil, false
	}
	raw, err := os.ReadFile(m.path(key))
	if err != nil {
		return nil, false
	}
	var e memoEntry
	// Every evaluation imports its entrypoint at least.
	if err := json.Unmarshal(raw, &e); err != nil || len(e.Imports) == 0 || textHash(e.Output) != e.OutputSHA256 {
		return nil, false
	}
	imp := newImporter(jpaths)
	imp.setOverlay(overlay, overlayPath)
	for _, r := range e.Imports {
		c, at, err := imp.Import(r.From, r.Path)
		if err != nil || at != r.At || contentHash(c) != r.SHA256 {
			return nil, false
		}
	}
	// Served: the entry counts as used for trimming.
	now := time.Now()
	_ = os.Chtimes(m.path(key), now, now)
	return &e, true
}

// checkDir refuses a memo directory that is not a directory of this user's
// that others cannot write (entries are served as renders: someone else's
// would be applied to the cluster), as ssh treats its own.
func (m *Memo) checkDir() error {
	fi, err := os.Lstat(m.Dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("render memo %s is not a directory", m.Dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("render memo %s is writable by others (%s)", m.Dir, fi.Mode().Perm())
	}
	return ownedBySelf(fi)
}

// store keeps output with the imports that produced it, then trims Dir to
// MaxEntries. Errors leave the memo as it was.
func (m *Memo) store(key string, imports []memoImport, output, trace string) error {
	if m == nil || key == "" || len(imports) == 0 {
		return nil
	}
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return err
	}
	if err := m.checkDir(); err != nil {
		return err
	}
	raw, err := json.Marshal(memoEntry{Imports: imports, Output: output, OutputSHA256: textHash(output), Trace: trace})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(m.Dir, ".entry-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(raw)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), m.path(key)); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return m.trim()
}

// trim removes the oldest entries beyond MaxEntries.
func (m *Memo) trim() error {
	limit := m.MaxEntries
	if limit <= 0 {
		limit = DefaultMemoEntries
	}
	entries, err := os.ReadDir(m.Dir)
	if err != nil {
		return err
	}
	type kept struct {
		name string
		at   time.Time
	}
	var all []kept
	for _, d := range entries {
		if d.IsDir() {
			continue
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed by another process meanwhile
			}
			return err
		}
		switch {
		case filepath.Ext(d.Name()) == ".json":
			all = append(all, kept{d.Name(), info.ModTime()})
		case strings.HasPrefix(d.Name(), ".entry-") && time.Since(info.ModTime()) > time.Hour:
			// Left by a process that stopped between writing and renaming.
			_ = os.Remove(filepath.Join(m.Dir, d.Name()))
		}
	}
	if len(all) <= limit {
		return nil
	}
	// Newest first; the name breaks ties of coarse timestamps.
	slices.SortFunc(all, func(a, b kept) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, k := range all[limit:] {
		if err := os.Remove(filepath.Join(m.Dir, k.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("trim render memo: %w", err)
		}
	}
	return nil
}

func contentHash(c jsonnet.Contents) string { return textHash(c.String()) }

func textHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
