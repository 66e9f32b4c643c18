package tanka

import (
	"path/filepath"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
)

// tkLibsonnet is what `import "tk"` yields, as in Tanka.
var tkLibsonnet = jsonnet.MakeContents(`{ env: std.extVar("` + extVarEnvironment + `") }`)

// importer resolves imports with Tanka's search path and remembers the
// imports it could not find, so that a failed render can say which library is
// missing.
type importer struct {
	files   *jsonnet.FileImporter
	missing []string
	// overlay, when set, is served for imports of OverlayFile, as if it
	// were the file at overlayPath (setOverlay); overlayContents is made
	// once: go-jsonnet refuses two Contents for one file.
	overlay         *string
	overlayPath     string
	overlayContents jsonnet.Contents
	// recording makes Import keep the distinct imports it served, in
	// order, in imports (for a Memo entry).
	recording bool
	imports   []memoImport
	served    map[[2]string]bool
	// notKept is set by a native function that read files other than
	// imports (helmTemplate): the evaluation's output is not kept in a
	// Memo, whose entries only know their imports.
	notKept bool
}

// setOverlay serves text for imports of OverlayFile, as the file at path;
// nil: the file on disk.
func (i *importer) setOverlay(text *string, path string) {
	i.overlay, i.overlayPath = text, path
	if text != nil {
		i.overlayContents = jsonnet.MakeContents(*text)
	}
}

// newImporter searches paths in the given order (highest priority first)
// after the importing file's own directory.
func newImporter(paths []string) *importer {
	// go-jsonnet's FileImporter searches JPaths from the last to the first.
	rev := make([]string, len(paths))
	for i, p := range paths {
		rev[len(paths)-1-i] = p
	}
	return &importer{files: &jsonnet.FileImporter{JPaths: rev}}
}

func (i *importer) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	c, at, err := i.resolve(importedFrom, importedPath)
	if k := [2]string{importedFrom, importedPath}; i.recording && err == nil && !i.served[k] {
		if i.served == nil {
			i.served = map[[2]string]bool{}
		}
		i.served[k] = true
		i.imports = append(i.imports, memoImport{From: importedFrom, Path: importedPath, At: at, SHA256: contentHash(c)})
	}
	return c, at, err
}

func (i *importer) resolve(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	if importedPath == "tk" {
		return tkLibsonnet, filepath.Join("<internal>", "tk.libsonnet"), nil
	}
	if i.overlay != nil && importedPath == OverlayFile {
		return i.overlayContents, i.overlayPath, nil
	}
	c, at, err := i.files.Import(importedFrom, importedPath)
	if err != nil && strings.Contains(err.Error(), "no match locally or in the Jsonnet library paths") {
		i.missing = append(i.missing, importedPath)
	}
	return c, at, err
}
