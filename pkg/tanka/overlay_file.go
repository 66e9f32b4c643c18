package tanka

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/mimirctl/mimirctl/pkg/atomicfile"
)

// OverlayEditedError means the overlay file no longer matches the data line
// mimirctl wrote into it: someone edited it by hand.
type OverlayEditedError struct {
	Path   string
	Reason string
}

func (e *OverlayEditedError) Error() string {
	return fmt.Sprintf("%s was changed by hand (%s): mimirctl only reads back what it wrote; "+
		"restore it (e.g. `git checkout -- %s`) and move hand-written changes to another file imported by main.jsonnet",
		e.Path, e.Reason, e.Path)
}

// OverlayPath is where the overlay of the environment in envDir lives.
func OverlayPath(envDir string) string { return filepath.Join(envDir, OverlayFile) }

// ReadOverlay reads the overlay of the environment in envDir. A missing file
// is an empty overlay. It returns *OverlayEditedError when the file is not
// exactly what mimirctl would write for its data line.
func ReadOverlay(envDir string) (*Overlay, error) {
	path := OverlayPath(envDir)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Overlay{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read overlay: %w", err)
	}
	return ParseOverlay(path, string(raw))
}

// ParseOverlay reads an overlay back from the text Jsonnet produced; path is
// only used in errors.
func ParseOverlay(path, text string) (*Overlay, error) {
	var data string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, overlayDataPrefix) {
			data = strings.TrimPrefix(line, overlayDataPrefix)
			break
		}
	}
	if data == "" {
		return nil, &OverlayEditedError{Path: path, Reason: "its " + strings.TrimSpace(overlayDataPrefix) + " line is missing"}
	}
	o := &Overlay{}
	if err := utiljson.Unmarshal([]byte(data), o); err != nil {
		return nil, &OverlayEditedError{Path: path, Reason: "its data line does not parse: " + err.Error()}
	}
	again, err := o.Jsonnet()
	if err != nil {
		return nil, &OverlayEditedError{Path: path, Reason: err.Error()}
	}
	if again != text {
		return nil, &OverlayEditedError{Path: path, Reason: "its merges differ from its data line"}
	}
	return o, nil
}

// WriteOverlay renders o into the environment's overlay file, replacing it
// atomically.
func WriteOverlay(envDir string, o *Overlay) error {
	text, err := o.Jsonnet()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(OverlayPath(envDir), []byte(text))
}
