package deploy

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// releaseDistEnv names GoReleaser's output directory of a snapshot release
// (`make release-snapshot` sets it to dist/); releaseVersionEnv the version
// the binaries must be stamped with (the Makefile's `git describe`).
const (
	releaseDistEnv    = "MIMIRCTL_TEST_RELEASE_DIST"
	releaseVersionEnv = "MIMIRCTL_TEST_RELEASE_VERSION"
)

// releasePlatforms are the os_arch pairs .goreleaser.yaml builds.
var releasePlatforms = []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64", "windows_arm64"}

// TestTheSnapshotRelease checks what `goreleaser release --snapshot` wrote
// (make release-snapshot): for every platform, both archives with their
// binaries, a CycloneDX SBOM per binary, checksums.txt with the right
// sha256 of every archive and SBOM, the archive names the krew manifest
// downloads, and the version stamped into the binary of this machine's
// platform (`mimirctl version -o json`).
func TestTheSnapshotRelease(t *testing.T) {
	dist := os.Getenv(releaseDistEnv)
	if dist == "" {
		t.Skip("no snapshot release to check: run make release-snapshot")
	}
	want := os.Getenv(releaseVersionEnv)
	if want == "" {
		t.Fatalf("%s is set but %s is not", releaseDistEnv, releaseVersionEnv)
	}
	var meta struct {
		Tag     string `json:"tag"`
		Version string `json:"version"`
	}
	readJSON(t, filepath.Join(dist, "metadata.json"), &meta)
	if meta.Version != want {
		t.Errorf("GoReleaser's version is %q, want %q (git describe)", meta.Version, want)
	}
	tag := meta.Tag

	sums := readChecksums(t, filepath.Join(dist, "checksums.txt"))
	for _, p := range releasePlatforms {
		exe, ext := "", ".tar.gz"
		if strings.HasPrefix(p, "windows_") {
			exe, ext = ".exe", ".zip"
		}
		archives := map[string][]string{
			"mimirctl_" + tag + "_" + p + ext:      {"mimirctl" + exe, "README.md"},
			"kubectl-mimir_" + tag + "_" + p + ext: {"kubectl-mimir" + exe, "kubectl_complete-mimir" + exe, "README.md"},
		}
		for name, files := range archives {
			path := filepath.Join(dist, name)
			if got := archiveFiles(t, path); !slices.Equal(got, sorted(files)) {
				t.Errorf("%s holds %v, want %v", name, got, sorted(files))
			}
			checkSum(t, sums, path)
		}
		for _, bin := range []string{"mimirctl", "kubectl-mimir"} {
			path := filepath.Join(dist, bin+"_"+tag+"_"+p+".cdx.json")
			var bom cycloneDXBOM
			readJSON(t, path, &bom)
			if bom.BOMFormat != "CycloneDX" || !slices.ContainsFunc(bom.Components, func(c cycloneDXComponent) bool {
				return strings.HasPrefix(c.PURL, "pkg:golang/k8s.io/client-go@")
			}) {
				t.Errorf("%s: not a CycloneDX SBOM listing k8s.io/client-go (bomFormat %q, %d components)", path, bom.BOMFormat, len(bom.Components))
			}
			checkSum(t, sums, path)
		}
	}
	for name := range sums {
		if _, err := os.Stat(filepath.Join(dist, name)); err != nil {
			t.Errorf("checksums.txt lists %s: %v", name, err)
		}
	}

	krew, err := os.ReadFile("krew/mimir.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`/download/\{\{ \.TagName \}\}/([^"]+)"`).FindAllStringSubmatch(string(krew), -1) {
		name := strings.ReplaceAll(m[1], "{{ .TagName }}", tag)
		if _, ok := sums[name]; !ok {
			t.Errorf("the krew manifest downloads %s, which the release does not have", name)
		}
	}

	// The binary of this machine's platform says the version it was
	// stamped with.
	var artifacts []releaseArtifact
	readJSON(t, filepath.Join(dist, "artifacts.json"), &artifacts)
	i := slices.IndexFunc(artifacts, func(a releaseArtifact) bool {
		return a.Type == "Binary" && strings.TrimSuffix(a.Name, ".exe") == "mimirctl" && a.GOOS == runtime.GOOS && a.GOARCH == runtime.GOARCH
	})
	if i < 0 {
		t.Fatalf("artifacts.json has no mimirctl binary for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	bin := artifacts[i].Path
	if !filepath.IsAbs(bin) {
		// GoReleaser records paths relative to the directory it ran in,
		// the one that holds dist.
		bin = filepath.Join(filepath.Dir(dist), bin)
	}
	out, err := exec.Command(bin, "version", "-o", "json").Output() //nolint:gosec // the binary the release built
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	var v struct {
		Version  string `json:"version"`
		Platform string `json:"platform"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -o json: %v\n%s", bin, err, out)
	}
	if v.Version != want || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("%s version -o json: version %q platform %q, want %q %s/%s", bin, v.Version, v.Platform, want, runtime.GOOS, runtime.GOARCH)
	}
}

// cycloneDXBOM is the part of a CycloneDX JSON document the test reads
// (https://cyclonedx.org/docs/1.5/json/).
type cycloneDXBOM struct {
	BOMFormat  string               `json:"bomFormat"`
	Components []cycloneDXComponent `json:"components"`
}

type cycloneDXComponent struct {
	PURL string `json:"purl"`
}

// releaseArtifact is an entry of GoReleaser's dist/artifacts.json.
type releaseArtifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	Type   string `json:"type"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readChecksums reads a sha256sum file: "HEX  NAME" lines.
func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		sum, name, ok := strings.Cut(s.Text(), "  ")
		if !ok {
			t.Fatalf("%s: line %q is not \"SHA256  NAME\"", path, s.Text())
		}
		sums[name] = sum
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}

// checkSum fails unless sums lists path's file with its sha256.
func checkSum(t *testing.T, sums map[string]string, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(path)
	if got := hex.EncodeToString(h.Sum(nil)); sums[name] != got {
		t.Errorf("checksums.txt has %q for %s, its sha256 is %s", sums[name], name, got)
	}
}

// archiveFiles lists the regular files of a .tar.gz or .zip archive, sorted.
func archiveFiles(t *testing.T, path string) []string {
	t.Helper()
	var names []string
	if strings.HasSuffix(path, ".zip") {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Error(err)
			return nil
		}
		defer z.Close()
		for _, f := range z.File {
			if !f.FileInfo().IsDir() {
				names = append(names, f.Name)
			}
		}
		return sorted(names)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag == tar.TypeReg {
			names = append(names, h.Name)
		}
	}
	return sorted(names)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
