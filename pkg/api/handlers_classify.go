package api

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/topics"
)

// ClassifierSource gives the classifier of an owner's documents (the
// worker's *worker.Classifiers): their provider, their learned model, their
// topics' rules.
type ClassifierSource interface {
	For(ctx context.Context, owner string, topics []classify.Topic) (classify.Classifier, error)
}

// maxTryText is the most text POST /api/classify takes.
const maxTryText = 256 << 10

type classifyRequest struct {
	Text     string `json:"text"`
	Filename string `json:"filename"`
}

type classifyAnswer struct {
	Provider string          `json:"provider"`
	Note     string          `json:"note,omitempty"`
	Topics   []classifyTopic `json:"topics"`
}

type classifyTopic struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Color    string  `json:"color"`
	Score    float64 `json:"score"`
	Assigned bool    `json:"assigned"`
	Rule     bool    `json:"rule"`
	// Evidence is what decided the score (classify.Match.Evidence).
	Evidence []string `json:"evidence"`
}

// classifyText answers POST /api/classify: how the caller's classifier
// would file a text, every topic scored, nothing stored (the "try it" box).
func (s *Server) classifyText(w http.ResponseWriter, r *http.Request) error {
	if s.d.Classifiers == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "classification is not available on this server")
	}
	var req classifyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Text) == "" && strings.TrimSpace(req.Filename) == "":
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "text is required")
	case len(req.Text) > maxTryText:
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "text may have at most %d KiB", maxTryText>>10)
	case !utf8.ValidString(req.Text) || !utf8.ValidString(req.Filename):
		return errorf(http.StatusBadRequest, "malformed", "text must be UTF-8")
	}
	u := currentUser(r)
	ts, err := topics.List(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	ct := make([]classify.Topic, len(ts))
	byID := make(map[string]topics.Topic, len(ts))
	for i, t := range ts {
		ct[i] = classify.Topic{ID: t.ID, Name: t.Name, Description: t.Description,
			Rule: classify.Rule{Match: t.Match, Algorithm: t.Algorithm, CaseInsensitive: t.CaseInsensitive}, ManualOnly: !t.AutoAssign}
		byID[t.ID] = t
	}
	c, err := s.d.Classifiers.For(r.Context(), u.ID, ct)
	if err != nil {
		return err
	}
	res, err := c.Classify(r.Context(), classify.Document{Filename: req.Filename, Text: req.Text}, ct)
	if err != nil {
		return err
	}
	ans := classifyAnswer{Provider: res.Provider, Note: res.Note, Topics: []classifyTopic{}}
	for _, m := range res.Matches {
		t := byID[m.TopicID]
		ev := m.Evidence
		if ev == nil {
			ev = []string{}
		}
		ans.Topics = append(ans.Topics, classifyTopic{ID: t.ID, Name: t.Name, Color: t.Color, Score: m.Score, Assigned: m.Assigned, Rule: m.ByRule, Evidence: ev})
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}
