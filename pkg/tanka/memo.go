package tanka

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
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
// native functions are pure, helmTemplate and kustomizeBuild are refused:
// one that reads files must record them as imports), so a served output is
// the one the evaluation would give. Failed evaluations are never kept.
//
// Entries are files in Dir named after their key (JSON, about the size of
// the rendered output); Dir keeps the MaxEntries most recently written.
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

// build identifies this program's build: its module version and VCS
// revision, and the go-jsonnet module it evaluates with.
func build() string {
	buildOnce.Do(func() {
		info, ok := debug.ReadBuildInfo()
		if !ok {
			buildID = "unknown"
			return
		}
		b := info.Main.Path + "@" + info.Main.Version
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				b += " " + s.Key + "=" + s.Value
			}
		}
		for _, d := range info.Deps {
			if d.Path == "github.com/google/go-jsonnet" {
				b += " " + d.Path + "@" + d.Version
			}
		}
		buildID = b
	})
	return buildID
}

// memoKeyOf is the Memo key of evaluating env with opts: program is the
// selection program ("" for the entrypoint as it is), imp the importer the
// evaluation uses (its overlay).
func memoKeyOf(env *Environment, opts Options, program string, imp *importer) (string, error) {
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
func (m *Memo) lookup(key string, jpaths []string, overlay *string, overlayPath string) (string, bool) {
	if m == nil {
		return "", false
	}
	raw, err := os.ReadFile(m.path(key))
	if err != nil {
		return "", false
	}
	var e memoEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return "", false
	}
	imp := newImporter(jpaths)
	imp.overlay, imp.overlayPath = overlay, overlayPath
	for _, r := range e.Imports {
		c, at, err := imp.Import(r.From, r.Path)
		if err != nil || at != r.At || contentHash(c) != r.SHA256 {
			return "", false
		}
	}
	return e.Output, true
}

// store keeps output with the imports that produced it, then trims Dir to
// MaxEntries. Errors leave the memo as it was.
func (m *Memo) store(key string, imports []memoImport, output string) error {
	if m == nil {
		return nil
	}
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return err
	}
	raw, err := json.Marshal(memoEntry{Imports: imports, Output: output})
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
		if d.IsDir() || filepath.Ext(d.Name()) != ".json" {
			continue
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed by another process meanwhile
			}
			return err
		}
		all = append(all, kept{d.Name(), info.ModTime()})
	}
	if len(all) <= limit {
		return nil
	}
	slices.SortFunc(all, func(a, b kept) int { return b.at.Compare(a.at) })
	for _, k := range all[limit:] {
		if err := os.Remove(filepath.Join(m.Dir, k.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("trim render memo: %w", err)
		}
	}
	return nil
}

func contentHash(c jsonnet.Contents) string {
	sum := sha256.Sum256([]byte(c.String()))
	return hex.EncodeToString(sum[:])
}
