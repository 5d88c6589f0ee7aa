package audit

import (
	"os"
	"os/user"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CLIPrefix starts the ActorLabel of an event done through the CLI.
const CLIPrefix = "cli:"

// maxLabel is the longest ActorLabel (the column's check says the same).
const maxLabel = 200

// CLIActor is the ActorLabel of an event done through the CLI: CLIPrefix
// and the operating-system user running it ("cli:root"), from the user
// database, else $USER or $LOGNAME, else "cli:unknown". A command run on
// the server acts as nobody's DocuVault account, so its audit events name
// the OS user instead.
func CLIActor() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	for _, env := range []string{"USER", "LOGNAME"} {
		if name == "" {
			name = os.Getenv(env)
		}
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "unknown"
	}
	for len(CLIPrefix)+len(name) > maxLabel {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return CLIPrefix + name
}

// checkLabel returns label for the actor_label column (nil for ""), or
// why it cannot be stored.
func checkLabel(label string) (any, error) {
	if label == "" {
		return nil, nil
	}
	kind, name, ok := strings.Cut(label, ":")
	ok = ok && kind != "" && name != "" && len(label) <= maxLabel && utf8.ValidString(label)
	for _, r := range kind {
		ok = ok && r >= 'a' && r <= 'z'
	}
	for _, r := range name {
		ok = ok && !unicode.IsControl(r)
	}
	if !ok {
		return nil, invalid("actor_label", "actor label %q: use a kind, a colon and a name of at most %d characters, like %q", label, maxLabel, "cli:root")
	}
	return label, nil
}
