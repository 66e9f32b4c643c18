// Package images maps container images to local binaries and emulates their
// entrypoints: there is no registry and no container runtime, so a container
// of "grafana/mimir:2.9.0" runs bin/mimir2 with the pod's arguments, the way
// the image would run /bin/mimir.
//
// A Rule matches a normalised image reference ("grafana/mimir:2.9.0"; the
// docker.io/ and library/ prefixes dropped, ":latest" added when untagged)
// with a pattern where '*' matches any run of characters. The first matching
// rule wins; Default lists the built-in ones.
package images

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Rule says how an image runs.
type Rule struct {
	// Pattern matches normalised image references; '*' matches anything.
	Pattern string `json:"pattern"`
	// Binary is the local executable that stands for the image's main
	// program: a name in the bin directory or an absolute path. Empty means
	// the image is a plain userland: commands run as given from the host's
	// files.
	Binary string `json:"binary,omitempty"`
	// Names are the image paths or base names of the main program
	// (e.g. "/bin/mimir", "mimir"); an argv[0] among them runs Binary.
	Names []string `json:"names,omitempty"`
	// Entrypoint and Cmd are the image's ENTRYPOINT and CMD.
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	// Dirs exist in the image and are created in the container's root.
	Dirs []string `json:"dirs,omitempty"`
	// Shim names an emulated entrypoint script ("consul").
	Shim string `json:"shim,omitempty"`
}

// Default is the built-in mapping.
func Default() []Rule {
	mimir := func(pattern, binary string) Rule {
		return Rule{Pattern: pattern, Binary: binary, Names: []string{"mimir"}, Entrypoint: []string{"/bin/mimir"}}
	}
	consul := func(pattern string) Rule {
		return Rule{
			Pattern: pattern, Binary: "consul", Names: []string{"consul"}, Shim: "consul",
			Entrypoint: []string{"docker-entrypoint.sh"}, Cmd: []string{"agent", "-dev", "-client", "0.0.0.0"},
			Dirs: []string{"/consul/data", "/consul/config"},
		}
	}
	userland := func(pattern string) Rule { return Rule{Pattern: pattern, Cmd: []string{"sh"}} }
	return []Rule{
		mimir("grafana/mimir:2.16.*", "mimir216"),
		mimir("grafana/mimir:2.*", "mimir2"),
		mimir("grafana/mimir:3.*", "mimir3"),
		mimir("grafana/mimir:*", "mimir3"),
		consul("hashicorp/consul:*"),
		consul("consul:*"),
		{Pattern: "*etcd*", Binary: "etcd", Names: []string{"etcd"}, Cmd: []string{"/usr/local/bin/etcd"}},
		// The image's entrypoint is a script reading VGW_* variables; pods
		// here give the command (versitygw [flags] posix DIR) instead.
		{Pattern: "versity/versitygw:*", Binary: "versitygw", Names: []string{"versitygw"}},
		// mimirctl's own image (make image, e2e/image): its entrypoint is
		// the binary, so a pod's args are mimirctl's arguments. The e2e
		// suite puts the mimirctl it builds into the bin directory.
		{Pattern: "mimirctl:*", Binary: "mimirctl", Names: []string{"mimirctl"}, Entrypoint: []string{"/usr/local/bin/mimirctl"}},
		userland("busybox:*"), userland("alpine:*"), userland("debian:*"), userland("ubuntu:*"),
	}
}

// Normalize drops the default registry and library prefixes and adds
// ":latest" to an untagged reference.
func Normalize(image string) string {
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		image = strings.TrimPrefix(image, p)
	}
	image = strings.TrimPrefix(image, "library/")
	if strings.Contains(image, "@") {
		return image
	}
	if i := strings.LastIndex(image, ":"); i < 0 || strings.Contains(image[i:], "/") {
		image += ":latest"
	}
	return image
}

// Match reports whether a normalised image reference matches pattern.
func Match(pattern, image string) bool {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(image)
}

// Find returns the first rule of rules matching image.
func Find(rules []Rule, image string) (Rule, bool) {
	n := Normalize(image)
	for _, r := range rules {
		if Match(r.Pattern, n) {
			return r, true
		}
	}
	return Rule{}, false
}

// Launch is what to execute for a container.
type Launch struct {
	// Path is the executable: a host path for a mapped binary, otherwise the
	// container's argv[0], looked up in its PATH inside the container root.
	Path string
	// Argv is the full argument vector (Argv[0] as the image would see it).
	Argv []string
	// Dirs must exist in the container root.
	Dirs []string
	// Rule is the rule that matched.
	Rule Rule
}

// Resolve computes the launch of a container of image with the pod's
// command and args (already $(VAR)-expanded), docker-style: command replaces
// the entrypoint (and drops the image's CMD), args replace CMD.
func Resolve(rules []Rule, binDir, image string, command, args []string) (Launch, error) {
	r, ok := Find(rules, image)
	if !ok {
		return Launch{}, fmt.Errorf("no local binary for image %q (normalised %q): add an image rule (localcluster up --image PATTERN=BINARY)",
			image, Normalize(image))
	}
	argv := append([]string{}, r.Entrypoint...)
	tail := r.Cmd
	if len(command) > 0 {
		argv, tail = append([]string{}, command...), nil
	}
	if len(args) > 0 {
		tail = args
	}
	argv = append(argv, tail...)
	if len(argv) > 0 && r.Shim == "consul" && filepath.Base(argv[0]) == "docker-entrypoint.sh" {
		argv = consulEntrypoint(argv[1:])
	}
	if len(argv) == 0 {
		return Launch{}, fmt.Errorf("image %q has no entrypoint: set the container's command", image)
	}
	l := Launch{Path: argv[0], Argv: argv, Dirs: r.Dirs, Rule: r}
	if r.Binary != "" && r.names(argv[0]) {
		l.Path = r.Binary
		if !filepath.IsAbs(l.Path) {
			l.Path = filepath.Join(binDir, r.Binary)
		}
	}
	return l, nil
}

func (r Rule) names(argv0 string) bool {
	for _, n := range r.Names {
		if argv0 == n || filepath.Base(argv0) == n {
			return true
		}
	}
	return false
}
