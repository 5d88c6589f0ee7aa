package api

import (
	"strings"
	"testing"
)

func TestClassifyTryIt(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	// No topics yet: nothing to score.
	var ans classifyAnswer
	ann.do("POST", "/api/classify", map[string]string{"text": "an invoice"}).want(200).decode(&ans)
	if ans.Provider != "builtin" || len(ans.Topics) != 0 {
		t.Errorf("no topics: %+v", ans)
	}
	ann.do("POST", "/api/topics", map[string]string{"name": "Finance", "description": "invoices, bank statements, taxes"}).want(201)
	ann.do("POST", "/api/topics", map[string]any{"name": "Car", "description": "repairs and insurance", "match": "Volkswagen", "algorithm": "any"}).want(201)
	bob.do("POST", "/api/topics", map[string]string{"name": "Garden", "description": "plants"}).want(201)

	ann.do("POST", "/api/classify", map[string]string{"text": "Invoice from the bank: taxes due", "filename": "scan.pdf"}).want(200).decode(&ans)
	if len(ans.Topics) != 2 || ans.Topics[0].Name != "Finance" || !ans.Topics[0].Assigned || ans.Topics[0].Score < 0.5 || ans.Topics[1].Assigned {
		t.Errorf("finance: %+v", ans)
	}
	ann.do("POST", "/api/classify", map[string]string{"text": "Your Volkswagen service"}).want(200).decode(&ans)
	if ans.Topics[0].Name != "Car" || !ans.Topics[0].Rule || ans.Topics[0].Score != 1 {
		t.Errorf("rule: %+v", ans)
	}
	// Only the caller's own topics, never another user's.
	for _, tp := range ans.Topics {
		if tp.Name == "Garden" {
			t.Errorf("ann's classifier scored bob's topic")
		}
	}
	if n := e.count(`SELECT count(*) FROM documents`); n != 0 {
		t.Errorf("try it stored %d documents", n)
	}
	ann.do("POST", "/api/classify", map[string]string{"text": "  "}).wantError(422, "invalid_field")
	ann.do("POST", "/api/classify", map[string]string{"text": strings.Repeat("x", 300<<10)}).wantError(413, "too_large")
	e.anon().do("POST", "/api/classify", map[string]string{"text": "x"}).want(401)
}
