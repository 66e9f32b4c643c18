package images

import "strings"

// consulSubcommands are the first arguments the consul image's
// docker-entrypoint.sh passes to consul.
var consulSubcommands = map[string]bool{
	"acl": true, "agent": true, "catalog": true, "config": true, "connect": true, "debug": true,
	"event": true, "exec": true, "force-leave": true, "info": true, "intention": true, "join": true,
	"keygen": true, "keyring": true, "kv": true, "leave": true, "lock": true, "login": true,
	"logout": true, "maint": true, "members": true, "monitor": true, "operator": true,
	"peering": true, "reload": true, "rtt": true, "services": true, "snapshot": true, "tls": true,
	"validate": true, "version": true, "watch": true,
}

// consulEntrypoint emulates the consul image's docker-entrypoint.sh: "agent"
// gets the image's data and config directories, other consul subcommands and
// flags run consul, anything else runs as given.
func consulEntrypoint(args []string) []string {
	if len(args) == 0 {
		return []string{"consul"}
	}
	switch {
	case args[0] == "agent":
		return append([]string{"consul", "agent", "-data-dir=/consul/data", "-config-dir=/consul/config"}, args[1:]...)
	case consulSubcommands[args[0]] || strings.HasPrefix(args[0], "-"):
		return append([]string{"consul"}, args...)
	}
	return args
}

// Expand replaces $(VAR) references in s with values from env, the way the
// kubelet expands command and args: unknown references stay as written, and
// "$$" is an escaped "$".
func Expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// ExpandAll applies Expand to every element.
func ExpandAll(in []string, env map[string]string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = Expand(s, env)
	}
	return out
}
