package audit_test

import (
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
)

// The account changes of issue 24 read as words in the activity list.
func TestAccountEventsInWords(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	at := time.Now()
	events := []struct {
		e    audit.Event
		want string
	}{
		{audit.Event{UserID: ann, ActorID: ann, Type: audit.UserAdmin, ResourceID: ann, Metadata: map[string]any{"resource": "user", "action": "change_password", "sessions_ended": 2}}, "Changed their password"},
		{audit.Event{UserID: ann, ActorID: ann, Type: audit.UserAdmin, ResourceID: ann, Metadata: map[string]any{"resource": "user", "action": "set_password", "handle": "ann"}}, "Set the password of ann"},
		{audit.Event{UserID: ann, ActorID: ann, Type: audit.UserAdmin, ResourceID: ann, Metadata: map[string]any{"resource": "user", "action": "reset_link", "handle": "ann"}}, "Made a password reset link for ann"},
		{audit.Event{UserID: ann, ActorID: ann, Type: audit.UserAdmin, ResourceID: ann, Metadata: map[string]any{"resource": "user", "action": "totp_recovery_regenerate"}}, "Made new two-factor recovery codes"},
		{audit.Event{UserID: ann, ActorID: ann, Type: audit.UserAdmin, ResourceID: ann, Metadata: map[string]any{"resource": "user", "action": "reset_link", "handle": "ann", "sent": true}}, "Sent a password reset link to ann by e-mail"},
		{audit.Event{UserID: ann, Type: audit.UserAdmin, ResourceID: ann, Metadata: map[string]any{"resource": "user", "action": "forgot_password", "outcome": "sent"}}, "Asked for a password reset link by e-mail (sent)"},
		{audit.Event{UserID: ann, ActorID: ann, Type: audit.Logout, Metadata: map[string]any{"others": true, "sessions_ended": 1}}, "Signed out every other session"},
		{audit.Event{UserID: ann, ActorID: ann, Type: audit.Logout, Metadata: map[string]any{"session": ann, "current": false}}, "Signed out another session"},
	}
	for _, ev := range events {
		if err := audit.Record(ctx, db, ev.e); err != nil {
			t.Fatal(err)
		}
	}
	p, err := audit.List(ctx, db, audit.Filter{Viewer: ann, Since: at.Add(-time.Minute)})
	if err != nil || len(p.Entries) != len(events) {
		t.Fatalf("%+v, %v", p, err)
	}
	for i, ev := range events {
		// Newest first.
		if got := p.Entries[len(events)-1-i].Summary; got != ev.want {
			t.Errorf("%v: %q, want %q", ev.e.Metadata, got, ev.want)
		}
	}
}
