package tankaenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Every flag the library renders exists in the Mimir version of the
// image it renders it for: a misspelt or version-specific flag would
// otherwise only show as a crash-looping pod in the e2e suite. Uses the
// binaries e2e/local/tools/build.sh builds; skipped without them.
func TestFlagsExistInMimir(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, tc.env, tc.overlay)
			for name, wl := range r.workloads() {
				c := container(t, wl)
				image, _ := c["image"].(string)
				known := mimirFlags(t, image)
				if known == nil {
					continue
				}
				for _, a := range stringsOf(c["args"]) {
					flag, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
					if !known[flag] {
						t.Errorf("%s (%s): -%s is not a flag of this Mimir version", name, image, flag)
					}
				}
			}
		})
	}
}

var (
	flagsMu    sync.Mutex
	flagsCache = map[string]map[string]bool{}
	flagLine   = regexp.MustCompile(`^\s+-([a-z0-9][a-z0-9._-]*)`)
)

// mimirFlags lists the flags of the local binary standing for image (nil
// for images that are not Mimir's).
func mimirFlags(t *testing.T, image string) map[string]bool {
	t.Helper()
	var bin string
	switch {
	case strings.HasPrefix(image, "grafana/mimir:2."):
		bin = "mimir2"
	case strings.HasPrefix(image, "grafana/mimir:3."):
		bin = "mimir3"
	default:
		return nil
	}
	flagsMu.Lock()
	defer flagsMu.Unlock()
	if f, ok := flagsCache[bin]; ok {
		return f
	}
	root, err := ProjectDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "..", "..", "local", "bin", bin)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not built (run e2e/local/tools/build.sh): %v", path, err)
	}
	// -help-all prints the flags and exits non-zero; the count below
	// tells a real listing from a failure.
	out, _ := exec.Command(path, "-help-all").CombinedOutput()
	flags := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			flags[m[1]] = true
		}
	}
	if len(flags) < 500 {
		t.Fatalf("%s -help-all listed only %d flags:\n%s", path, len(flags), out)
	}
	flagsCache[bin] = flags
	return flags
}
