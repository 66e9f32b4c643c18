package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"debug/elf"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

var testMeta = Metadata{
	Version:  "v1.2.3-4-gabcdef0",
	Revision: "abcdef0123456789abcdef0123456789abcdef01",
	Created:  time.Date(2026, 11, 30, 1, 2, 3, 0, time.UTC),
	GOARCH:   "arm64",
}

// layerFile is one entry of the image's layer.
type layerFile struct {
	hdr  *tar.Header
	data []byte
}

// readLayers flattens the image's layers into path (without a leading "/")
// -> entry; the image has one layer, so nothing is shadowed.
func readLayers(t *testing.T, img v1.Image) map[string]layerFile {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]layerFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(h.Name, "/")] = layerFile{hdr: h, data: data}
	}
}

// writeAndLoad writes img as a docker-archive tarball and reads it back
// with go-containerregistry's tarball reader, as `kind load` and `docker
// load` consumers would.
func writeAndLoad(t *testing.T, img v1.Image) v1.Image {
	t.Helper()
	ref := "mimirctl:test"
	path := filepath.Join(t.TempDir(), "image.tar")
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
	loaded, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return loaded
}

func TestImageConfigAndLayer(t *testing.T) {
	binary := []byte("\x7fELF not really a binary")
	built, err := Image(binary, testMeta)
	if err != nil {
		t.Fatal(err)
	}
	img := writeAndLoad(t, built)
	// A docker archive keeps the config and the layers, not the manifest
	// (the reader makes a docker one up): the image ID (config digest) and
	// the layer survive the round trip.
	wantID, _ := built.ConfigName()
	if id, err := img.ConfigName(); err != nil || id != wantID {
		t.Errorf("image ID after the tarball round trip %v (%v), want %v", id, err, wantID)
	}
	if mt, err := built.MediaType(); err != nil || mt != types.OCIManifestSchema1 {
		t.Errorf("manifest media type %q (%v), want %q", mt, err, types.OCIManifestSchema1)
	}
	if m, err := built.Manifest(); err != nil || m.Config.MediaType != types.OCIConfigJSON || len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer {
		t.Errorf("manifest %+v (%v): want OCI config and one OCI gzip layer", m, err)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != "arm64" {
		t.Errorf("platform %s/%s, want linux/arm64", cf.OS, cf.Architecture)
	}
	if !cf.Created.Equal(testMeta.Created) {
		t.Errorf("created %v, want %v", cf.Created, testMeta.Created)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cf.Config.User)
	}
	if strings.Join(cf.Config.Entrypoint, " ") != "/usr/local/bin/mimirctl" || len(cf.Config.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want [/usr/local/bin/mimirctl] and no cmd", cf.Config.Entrypoint, cf.Config.Cmd)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/mimirctl/mimirctl",
		"org.opencontainers.image.version":  testMeta.Version,
		"org.opencontainers.image.revision": testMeta.Revision,
		"org.opencontainers.image.created":  "2026-11-30T01:02:03Z",
	} {
		if got := cf.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(strings.Join(cf.Config.Env, "\n"), "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt") {
		t.Errorf("env %q does not name the CA file", cf.Config.Env)
	}
	for _, h := range cf.History {
		if !h.Created.Equal(testMeta.Created) {
			t.Errorf("history entry %q created %v, want %v", h.CreatedBy, h.Created, testMeta.Created)
		}
	}

	files := readLayers(t, img)
	bin, ok := files[strings.TrimPrefix(cf.Config.Entrypoint[0], "/")]
	switch {
	case !ok:
		t.Fatalf("no %s in the layer", cf.Config.Entrypoint[0])
	case bin.hdr.Typeflag != tar.TypeReg || bin.hdr.Mode&0o111 != 0o111 || bin.hdr.Mode&0o022 != 0:
		t.Errorf("entrypoint type %c mode %o, want a regular file executable by all, writable by none but its owner", bin.hdr.Typeflag, bin.hdr.Mode)
	case bin.hdr.Uid != 0 || bin.hdr.Gid != 0:
		t.Errorf("entrypoint owned by %d:%d, want root (the user cannot replace it)", bin.hdr.Uid, bin.hdr.Gid)
	case !bytes.Equal(bin.data, binary):
		t.Errorf("entrypoint holds %d bytes, not the binary", len(bin.data))
	}
	for name, f := range files {
		if base := filepath.Base(name); base == "sh" || base == "bash" || base == "busybox" || name == "bin" || name == "sbin" {
			t.Errorf("the image holds %s (distroless-style: no shell)", name)
		}
		if !f.hdr.ModTime.Equal(testMeta.Created) {
			t.Errorf("%s mtime %v, want %v", name, f.hdr.ModTime, testMeta.Created)
		}
	}

	// The config's user exists in /etc/passwd and /etc/group and owns its home.
	if !strings.Contains(string(files["etc/passwd"].data), "\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n") {
		t.Errorf("/etc/passwd has no nonroot 65532:\n%s", files["etc/passwd"].data)
	}
	if !strings.Contains(string(files["etc/group"].data), "\nnonroot:x:65532:\n") {
		t.Errorf("/etc/group has no nonroot 65532:\n%s", files["etc/group"].data)
	}
	if h := files["home/nonroot"].hdr; h == nil || h.Typeflag != tar.TypeDir || h.Uid != 65532 || h.Gid != 65532 {
		t.Errorf("/home/nonroot: %+v, want a directory owned by 65532:65532", h)
	}
	if h := files["tmp"].hdr; h == nil || h.Mode != 0o1777 {
		t.Errorf("/tmp: %+v, want mode 1777", h)
	}

	// The CA file is PEM certificates Go's crypto/x509 can load.
	ca := files["etc/ssl/certs/ca-certificates.crt"].data
	n := 0
	for rest := ca; ; n++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Fatalf("certificate %d: %v", n, err)
		}
	}
	if n < 100 || !x509.NewCertPool().AppendCertsFromPEM(ca) {
		t.Errorf("the CA file holds %d certificates, want Mozilla's (117 in the pinned bundle)", n)
	}
}

func TestImageDigestDependsOnlyOnItsInputs(t *testing.T) {
	digest := func(binary string, m Metadata) v1.Hash {
		t.Helper()
		img, err := Image([]byte(binary), m)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := digest("binary", testMeta)
	if again := digest("binary", testMeta); again != base {
		t.Fatalf("two images of the same inputs: %v and %v", base, again)
	}
	later := testMeta
	later.Created = later.Created.Add(time.Second)
	otherVersion := testMeta
	otherVersion.Version = "v1.2.4"
	for what, d := range map[string]v1.Hash{
		"another binary":  digest("binary2", testMeta),
		"another time":    digest("binary", later),
		"another version": digest("binary", otherVersion),
	} {
		if d == base {
			t.Errorf("%s gives the same digest %v", what, d)
		}
	}
}

func TestDefaultTag(t *testing.T) {
	for version, want := range map[string]string{
		"v1.2.3":                      "mimirctl:v1.2.3",
		"06af342-dirty":               "mimirctl:06af342-dirty",
		"v1.2.3+meta":                 "mimirctl:v1.2.3-meta",
		".hidden":                     "mimirctl:v.hidden",
		strings.Repeat("a", 200):      "mimirctl:" + strings.Repeat("a", 128),
		"v0.1.0-3-g06af342-dirty/x y": "mimirctl:v0.1.0-3-g06af342-dirty-x-y",
	} {
		got := DefaultTag(version)
		if got != want {
			t.Errorf("DefaultTag(%q) = %q, want %q", version, got, want)
		}
		if _, err := name.NewTag(got); err != nil {
			t.Errorf("DefaultTag(%q) = %q: %v", version, got, err)
		}
	}
}

// TestBuildIsReproducible builds the image from this checkout twice (two go
// builds into different directories) and compares digests and tarballs, then
// checks the binary in the image: static, version stamped as `mimirctl
// version` reads it.
func TestBuildIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/mimirctl twice")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	ctx := context.Background()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	meta, err := GitMetadata(ctx, root, "", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.Revision) != 40 || meta.Version == "" || meta.Created.IsZero() {
		t.Fatalf("metadata from git: %+v", meta)
	}
	dir := t.TempDir()
	var digests, ids [2]v1.Hash
	var tarballs [2][]byte
	for i := range digests {
		out := filepath.Join(dir, string(rune('a'+i)), "image.tar")
		start := time.Now()
		oci := ""
		if i == 1 {
			oci = filepath.Join(dir, "oci")
		}
		img, err := Build(ctx, root, meta, out, "", oci)
		if err != nil {
			t.Fatal(err)
		}
		if digests[i], err = img.Digest(); err != nil {
			t.Fatal(err)
		}
		if ids[i], err = img.ConfigName(); err != nil {
			t.Fatal(err)
		}
		t.Logf("build %d: %s in %.1fs", i+1, digests[i], time.Since(start).Seconds())
		if tarballs[i], err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
	}
	if digests[0] != digests[1] {
		t.Fatalf("two builds of one commit: digests %v and %v", digests[0], digests[1])
	}
	if ids[0] != ids[1] {
		t.Errorf("two builds of one commit: image IDs %v and %v", ids[0], ids[1])
	}
	if !bytes.Equal(tarballs[0], tarballs[1]) {
		t.Errorf("two builds of one commit: the tarballs differ (same image digest)")
	}

	// The OCI layout holds the same image.
	p, err := layout.FromPath(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Image(digests[0]); err != nil {
		t.Errorf("the OCI layout does not hold %v: %v", digests[0], err)
	}

	img, err := tarball.ImageFromPath(filepath.Join(dir, "a", "image.tar"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := img.ConfigName(); err != nil || id != ids[0] {
		t.Errorf("the tarball's image ID %v (%v), want %v", id, err, ids[0])
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.Labels["org.opencontainers.image.revision"] != meta.Revision {
		t.Errorf("revision label %q, want %q", cf.Config.Labels["org.opencontainers.image.revision"], meta.Revision)
	}
	bin := readLayers(t, img)[strings.TrimPrefix(EntrypointPath, "/")].data
	binPath := filepath.Join(dir, "mimirctl")
	if err := os.WriteFile(binPath, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	ef, err := elf.Open(binPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%v): CGO_ENABLED=0 expected", p.Type)
		}
	}
	if runtime.GOOS != "linux" {
		return
	}
	outJSON, err := exec.CommandContext(ctx, binPath, "version", "-o", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Version, Platform string }
	if err := json.Unmarshal(outJSON, &v); err != nil {
		t.Fatalf("%v: %s", err, outJSON)
	}
	if v.Version != meta.Version || v.Platform != "linux/"+runtime.GOARCH {
		t.Errorf("`mimirctl version` in the image: %s %s, want %s linux/%s", v.Version, v.Platform, meta.Version, runtime.GOARCH)
	}
}

// TestTheJobExamplesFitTheImage reads deploy/job: the pods run as the
// image's user and group and leave the entrypoint alone (their args are
// mimirctl's arguments, which deploy's own test parses).
func TestTheJobExamplesFitTheImage(t *testing.T) {
	specs := map[string]func([]byte) (corev1.PodSpec, error){
		"job.yaml": func(b []byte) (corev1.PodSpec, error) {
			var j batchv1.Job
			err := yaml.UnmarshalStrict(b, &j)
			return j.Spec.Template.Spec, err
		},
		"cronjob.yaml": func(b []byte) (corev1.PodSpec, error) {
			var cj batchv1.CronJob
			err := yaml.UnmarshalStrict(b, &cj)
			return cj.Spec.JobTemplate.Spec.Template.Spec, err
		},
	}
	for file, decode := range specs {
		b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "job", file))
		if err != nil {
			t.Fatal(err)
		}
		spec, err := decode(b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		sc := spec.SecurityContext
		if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != NonrootUID || sc.RunAsGroup == nil || *sc.RunAsGroup != NonrootGID {
			t.Errorf("%s: pod securityContext %+v, want runAsUser %d and runAsGroup %d (the image's user)", file, sc, NonrootUID, NonrootGID)
		}
		for _, c := range spec.Containers {
			if c.Name == "mimirctl" && len(c.Command) != 0 {
				t.Errorf("%s: container mimirctl sets command %q: the image's entrypoint is %s", file, c.Command, EntrypointPath)
			}
		}
	}
}
