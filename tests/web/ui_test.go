package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebMessagesAndRoughEdges drives ui.mjs (issue 21, items 3 and 5): one
// message at a time, a taken handle said once, an administrator's own row
// without the actions the API refuses, "Classify again" saying it is queued
// and then how it came out, the teaching hint only for people who may
// edit, and room between the cards; then checks through the API what the
// browser did. Screenshots land in the ui/ folder of the web screenshots.
func TestWebMessagesAndRoughEdges(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const rootPass, annPass, bobPass = "root's long password", "ann's long password", "bob's long password"
	e.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, bobPass+"\n", "user", "add", "bob", "--email", "bob@example.org", "--password-stdin")
	e.run(t, "", "topic", "add", "Finance", "--user", "ann", "--description", "invoices bank taxes payments", "--color", "#2e8b57")
	e.run(t, "", "topic", "add", "Health", "--user", "ann", "--description", "doctor hospital prescription", "--color", "#d04a4a")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "ui", "ui",
		"ROOT_PASSWORD="+rootPass, "ANN_PASSWORD="+annPass, "BOB_PASSWORD="+bobPass)

	// What the browser did, as the API sees it: one cat (the second was
	// refused), disabled; ann's invoice filed again and shared for viewing.
	admin := login(t, base, "root", rootPass)
	var us struct {
		Users []struct {
			Handle   string `json:"handle"`
			Role     string `json:"role"`
			IsActive bool   `json:"is_active"`
		} `json:"users"`
	}
	admin.call("GET", "/api/admin/users", nil, &us)
	got := ""
	for _, u := range us.Users {
		got += u.Handle + " " + u.Role + " " + map[bool]string{true: "active", false: "disabled"}[u.IsActive] + "; "
	}
	if want := "ann user active; bob user active; cat user disabled; root admin active; "; got != want {
		t.Errorf("users after the run: %q, want %q", got, want)
	}
	ann := login(t, base, "ann", annPass)
	var page struct {
		Documents []struct {
			Filename string `json:"filename"`
			Status   string `json:"status"`
			Topics   []struct {
				Name string `json:"name"`
			} `json:"topics"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents", nil, &page)
	if len(page.Documents) != 1 || page.Documents[0].Filename != "invoice.txt" || page.Documents[0].Status != "classified" ||
		len(page.Documents[0].Topics) != 1 || page.Documents[0].Topics[0].Name != "Finance" {
		t.Errorf("ann's documents after the run: %+v, want invoice.txt classified under Finance", page.Documents)
	}
	var sh struct {
		Given []struct {
			Recipient  string `json:"recipient_handle"`
			Permission string `json:"permission"`
		} `json:"given"`
	}
	ann.call("GET", "/api/shares", nil, &sh)
	if len(sh.Given) != 1 || sh.Given[0].Recipient != "bob" || sh.Given[0].Permission != "view" {
		t.Errorf("ann's shares after the run: %+v, want one with bob, view", sh.Given)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "u[0-9]-*.png"))
	if len(pngs) != 5 {
		t.Errorf("%d screenshots in %s, want 5", len(pngs), shots)
	}
}
