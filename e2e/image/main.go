// Command image builds mimirctl's container image without Docker or a
// registry: it compiles cmd/mimirctl from the product module (CGO_ENABLED=0,
// -trimpath, the version stamped with the same -X as the Makefile's build)
// and assembles a one-layer, distroless-style image around it with
// go-containerregistry, written as a docker-archive tarball (`docker load`,
// `kind load image-archive`, crane/skopeo/podman read it) and, with
// -oci-layout, also as an OCI image layout directory.
//
// The image holds no shell and no package manager, only:
//
//	/usr/local/bin/mimirctl            the static binary, root-owned, 0755 (the entrypoint)
//	/etc/passwd, /etc/group            root and nonroot (uid/gid 65532, as distroless' nonroot)
//	/etc/nsswitch.conf                 "hosts: files dns" for Go's resolver
//	/etc/ssl/certs/ca-certificates.crt Mozilla's NSS roots, PEM (see caBundle)
//	/home/nonroot                      the user's home and working directory (0700, 65532)
//	/tmp                               1777
//
// The config runs as 65532:65532 and carries the OCI annotation keys of the
// image spec as labels (org.opencontainers.image.source, .version,
// .revision, .created, .title). The build is reproducible: every time in the
// image (file mtimes, config created, history) is SOURCE_DATE_EPOCH or, when
// unset, the commit time of HEAD; tar entries are in a fixed order with
// fixed owners; the binary is built with GOWORK=off from the product's own
// go.mod, so two builds of one commit with one Go toolchain give the same
// image digest.
//
// Usage (from the repository root; `make image` runs it):
//
//	go run ./e2e/image -o bin/mimirctl-image.tar [-version V] [-goarch arm64] [-tag mimirctl:V] [-oci-layout DIR]
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

const (
	// modulePath is the product module; its cmd/mimirctl is the binary.
	modulePath = "github.com/mimirctl/mimirctl"
	// versionVar is what the Makefile's LDFLAGS set and `mimirctl version`
	// reports (pkg/cli.Version).
	versionVar = modulePath + "/pkg/cli.Version"
	// sourceURL is the org.opencontainers.image.source label.
	sourceURL = "https://" + modulePath

	// EntrypointPath is where the binary lives in the image.
	EntrypointPath = "/usr/local/bin/mimirctl"
	// NonrootUID and NonrootGID are the user and group the image runs as:
	// distroless' "nonroot" (65532), which the Job examples in deploy/job
	// set as runAsUser/runAsGroup.
	NonrootUID = 65532
	NonrootGID = 65532
	// caFile is where Go's crypto/x509 looks first on Linux (and what
	// SSL_CERT_FILE names in the config).
	caFile = "/etc/ssl/certs/ca-certificates.crt"
)

// Metadata is what the image records about its build.
type Metadata struct {
	// Version is the stamp of pkg/cli.Version (the Makefile's `git describe
	// --tags --always --dirty`) and the org.opencontainers.image.version label.
	Version string
	// Revision is the full commit hash (org.opencontainers.image.revision).
	Revision string
	// Created is the time of every file, of the config and of its history
	// (SOURCE_DATE_EPOCH, else the commit time), UTC, second precision.
	Created time.Time
	// GOARCH is the image's architecture (its OS is always linux).
	GOARCH string
}

func main() {
	var (
		out       = flag.String("o", "bin/mimirctl-image.tar", "the docker-archive tarball to write")
		ociLayout = flag.String("oci-layout", "", "also write an OCI image layout to this directory (appended to an existing layout)")
		tag       = flag.String("tag", "", "the image reference recorded in the tarball (default mimirctl:VERSION, with characters a tag may not hold replaced by -)")
		moduleDir = flag.String("C", ".", "the product module's directory (the repository root)")
		version   = flag.String("version", "", "the version stamp (default `git describe --tags --always --dirty`, as the Makefile)")
		goarch    = flag.String("goarch", runtime.GOARCH, "the image's architecture (GOARCH; GOOS is linux)")
	)
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "image: no arguments expected; see -h")
		os.Exit(2)
	}
	start := time.Now()
	ctx := context.Background()
	meta, err := GitMetadata(ctx, *moduleDir, *version, *goarch)
	if err == nil {
		var img v1.Image
		if img, err = Build(ctx, *moduleDir, meta, *out, *tag, *ociLayout); err == nil {
			digest, _ := img.Digest()
			id, _ := img.ConfigName()
			fmt.Fprintf(os.Stderr, "image: wrote %s in %.1fs: mimirctl %s linux/%s, manifest %s, image ID %s\n",
				*out, time.Since(start).Seconds(), meta.Version, meta.GOARCH, digest, id)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

// GitMetadata reads the build's metadata from the git checkout at dir:
// version (unless given) as `git describe --tags --always --dirty`, revision
// as `git rev-parse HEAD`, and the time as $SOURCE_DATE_EPOCH (seconds since
// the Unix epoch, https://reproducible-builds.org/specs/source-date-epoch/)
// or else HEAD's committer time (`git log -1 --format=%ct`). Errors: git
// missing or dir not a checkout, or a SOURCE_DATE_EPOCH that is not an
// integer.
func GitMetadata(ctx context.Context, dir, version, goarch string) (Metadata, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return strings.TrimSpace(string(b)), nil
	}
	m := Metadata{Version: version, GOARCH: goarch}
	var err error
	if m.Version == "" {
		if m.Version, err = git("describe", "--tags", "--always", "--dirty"); err != nil {
			return Metadata{}, err
		}
	}
	if m.Revision, err = git("rev-parse", "HEAD"); err != nil {
		return Metadata{}, err
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = git("log", "-1", "--format=%ct"); err != nil {
			return Metadata{}, err
		}
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return Metadata{}, fmt.Errorf("SOURCE_DATE_EPOCH (or the commit time) %q: not a number of seconds: %w", epoch, err)
	}
	m.Created = time.Unix(secs, 0).UTC()
	return m, nil
}

// Build compiles cmd/mimirctl in moduleDir for linux/meta.GOARCH, assembles
// the image and writes it as a docker-archive tarball to out (tagged tag,
// default DefaultTag(meta.Version)) and, when ociLayout is not empty, into
// that OCI image layout. It returns the image; its Digest is the OCI
// manifest's (what the layout records and a registry would), its ConfigName
// the image ID `docker load` and containerd report. Errors:
// the go build failing, a tag that is not a valid reference, write errors.
func Build(ctx context.Context, moduleDir string, meta Metadata, out, tag, ociLayout string) (v1.Image, error) {
	tmp, err := os.MkdirTemp("", "mimirctl-image-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temporary binary; a failed removal leaves only it
	bin := filepath.Join(tmp, "mimirctl")
	if err := GoBuild(ctx, moduleDir, meta, bin); err != nil {
		return nil, err
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	img, err := Image(binary, meta)
	if err != nil {
		return nil, err
	}
	if tag == "" {
		tag = DefaultTag(meta.Version)
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return nil, fmt.Errorf("image tag %q: %w", tag, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	if err := tarball.WriteToFile(out, ref, img); err != nil {
		return nil, fmt.Errorf("writing %s: %w", out, err)
	}
	if ociLayout != "" {
		p, err := layout.FromPath(ociLayout)
		if err != nil {
			p, err = layout.Write(ociLayout, empty.Index)
		}
		if err != nil {
			return nil, fmt.Errorf("OCI layout %s: %w", ociLayout, err)
		}
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
			"org.opencontainers.image.ref.name": ref.TagStr(),
		})); err != nil {
			return nil, fmt.Errorf("OCI layout %s: %w", ociLayout, err)
		}
	}
	return img, nil
}

// GoBuild compiles modulePath/cmd/mimirctl into out as a static linux
// binary: CGO_ENABLED=0, -trimpath, -buildvcs=true (vcs.* in `mimirctl
// version` where Go finds the checkout; it does not in a git worktree),
// -ldflags "-s -w -X pkg/cli.Version=meta.Version". GOWORK=off builds the
// product's own go.mod, exactly what `go install` resolves, not the
// workspace with the e2e module's requirements.
func GoBuild(ctx context.Context, moduleDir string, meta Metadata, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=true",
		"-ldflags", "-s -w -X "+versionVar+"="+meta.Version,
		"-o", out, "./cmd/mimirctl")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+meta.GOARCH)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/mimirctl (linux/%s): %w", meta.GOARCH, err)
	}
	return nil
}

// DefaultTag is the reference a tarball records when none is given:
// mimirctl:VERSION, where each character a tag may not hold (anything but
// [A-Za-z0-9_.-], per the distribution spec) becomes "-", and at most 128
// characters are kept.
func DefaultTag(version string) string {
	t := regexp.MustCompile(`[^A-Za-z0-9_.-]`).ReplaceAllString(version, "-")
	if t == "" || !regexp.MustCompile(`^[A-Za-z0-9_]`).MatchString(t) {
		t = "v" + t
	}
	if len(t) > 128 {
		t = t[:128]
	}
	return "mimirctl:" + t
}

// Image assembles the image from the linux binary: one layer (Layer), an
// OCI manifest and config (media types of the OCI image spec v1), the
// config running EntrypointPath as NonrootUID:NonrootGID in /home/nonroot.
func Image(binary []byte, meta Metadata) (v1.Image, error) {
	layerTar, err := Layer(binary, meta.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	created := v1.Time{Time: meta.Created}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History: v1.History{
			Created:   created,
			CreatedBy: "go run ./e2e/image (" + modulePath + ")",
			Comment:   "mimirctl " + meta.Version,
		},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture = meta.GOARCH
	cf.OS = "linux"
	cf.Created = created
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", NonrootUID, NonrootGID),
		Entrypoint: []string{EntrypointPath},
		WorkingDir: "/home/nonroot",
		Env: []string{
			"PATH=/usr/local/bin",
			"SSL_CERT_FILE=" + caFile,
		},
		Labels: map[string]string{
			"org.opencontainers.image.title":    "mimirctl",
			"org.opencontainers.image.source":   sourceURL,
			"org.opencontainers.image.version":  meta.Version,
			"org.opencontainers.image.revision": meta.Revision,
			"org.opencontainers.image.created":  meta.Created.Format(time.RFC3339),
		},
	}
	return mutate.ConfigFile(img, cf)
}

// Layer returns the image's only layer, an uncompressed tar: the files of
// the package doc, every entry with mtime created, in a fixed order, owned
// by root except the user's home.
func Layer(binary []byte, created time.Time) ([]byte, error) {
	ca, err := caBundle()
	if err != nil {
		return nil, err
	}
	type entry struct {
		name     string
		mode     int64
		uid, gid int
		data     []byte // nil for a directory
	}
	dir := func(name string, mode int64, uid, gid int) entry {
		return entry{name: name, mode: mode, uid: uid, gid: gid}
	}
	file := func(name string, mode int64, data []byte) entry { return entry{name: name, mode: mode, data: data} }
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", NonrootUID, NonrootGID)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", NonrootGID)
	entries := []entry{
		dir("etc/", 0o755, 0, 0),
		file("etc/group", 0o644, []byte(group)),
		file("etc/nsswitch.conf", 0o644, []byte("hosts: files dns\n")),
		file("etc/passwd", 0o644, []byte(passwd)),
		dir("etc/ssl/", 0o755, 0, 0),
		dir("etc/ssl/certs/", 0o755, 0, 0),
		file(strings.TrimPrefix(caFile, "/"), 0o644, ca),
		dir("home/", 0o755, 0, 0),
		dir("home/nonroot/", 0o700, NonrootUID, NonrootGID),
		dir("root/", 0o700, 0, 0),
		dir("tmp/", 0o1777, 0, 0),
		dir("usr/", 0o755, 0, 0),
		dir("usr/local/", 0o755, 0, 0),
		dir("usr/local/bin/", 0o755, 0, 0),
		file(strings.TrimPrefix(EntrypointPath, "/"), 0o755, binary),
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.name,
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: created,
		}
		if e.data == nil {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// caBundle returns the PEM bundle of the root certificates of Mozilla's NSS
// trust store as golang.org/x/crypto/x509roots/fallback/bundle carries them
// (the version e2e/go.mod pins, so the file is the same on every machine,
// unlike the build host's /etc/ssl). Roots with a constraint X.509 cannot
// express (NSS' distrust-after dates) are left out: a PEM file would trust
// them without it. Error: a bundle with no unconstrained root.
func caBundle() ([]byte, error) {
	var out bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		if err := pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}); err != nil {
			return nil, err
		}
	}
	if out.Len() == 0 {
		return nil, errors.New("x509roots/fallback/bundle holds no unconstrained root")
	}
	return out.Bytes(), nil
}
