package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileStore keeps the state in a local JSON file, written atomically (temp
// file, fsync, rename). Its revision is a digest of the file's content.
type FileStore struct {
	path string
}

var _ Store = (*FileStore)(nil)

// NewFileStore returns a store for the file at path.
func NewFileStore(path string) *FileStore { return &FileStore{path: path} }

// Describe names the file.
func (s *FileStore) Describe() string { return "file " + s.path }

// Path returns the state file's path.
func (s *FileStore) Path() string { return s.path }

// Load reads the file.
func (s *FileStore) Load(_ context.Context) (*State, Revision, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", ErrNoState
	}
	if err != nil {
		return nil, "", fmt.Errorf("read state file: %w", err)
	}
	st, err := decodeState(b, s.Describe())
	if err != nil {
		return nil, "", err
	}
	return st, digest(b), nil
}

// Save replaces the file if its content still has revision rev.
func (s *FileStore) Save(_ context.Context, st *State, rev Revision) (Revision, error) {
	cur, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if rev != "" {
			return "", ErrStateConflict
		}
	case err != nil:
		return "", fmt.Errorf("read state file: %w", err)
	case digest(cur) != rev:
		return "", ErrStateConflict
	}
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return "", fmt.Errorf("encode state: %w", err)
	}
	if err := writeAtomic(s.path, b); err != nil {
		return "", fmt.Errorf("write state file: %w", err)
	}
	return digest(b), nil
}

func digest(b []byte) Revision {
	sum := sha256.Sum256(b)
	return Revision(hex.EncodeToString(sum[:]))
}

// writeAtomic replaces path with data so that a reader sees the old or the
// new content, never a mix, even across a crash.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the write error is the one to report
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the sync error is the one to report
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close() //nolint:errcheck // read-only directory handle
	return d.Sync()
}
