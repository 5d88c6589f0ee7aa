package api

import (
	"net/http"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/search"
)

// searchHit is one hit of GET /api/search: the document as the list shows
// it, with its rank, where the query's words are (match_in: "text",
// "filename") and a highlighted snippet of the text that has them
// (HTML-escaped; <mark> around the matched words; "" when the text lacks
// them).
type searchHit struct {
	Document searchDocument `json:"document"`
	Rank     float64        `json:"rank"`
	Match    string         `json:"match"`
	MatchIn  []string       `json:"match_in"`
	Snippet  string         `json:"snippet"`
}

// searchDocument is a hit's document, in the shape of a list item.
type searchDocument struct {
	ID          string  `json:"id"`
	OwnerID     string  `json:"owner_id"`
	OwnerHandle string  `json:"owner"`
	Permission  string  `json:"permission"`
	FolderID    *string `json:"folder_id"`
	Filename    string  `json:"filename"`
	ContentType string  `json:"content_type"`
	SizeBytes   int64   `json:"size_bytes"`
	Status      string  `json:"status"`
	CreatedAt   string  `json:"created_at"`
	// DocumentDate is the document's own date (YYYY-MM-DD), or null.
	DocumentDate *string            `json:"document_date"`
	Topics       []catalog.TopicRef `json:"topics"`
}

type searchPage struct {
	Hits           []searchHit    `json:"hits"`
	Next           string         `json:"next_cursor,omitempty"`
	Total          int64          `json:"total"`
	TotalEstimated bool           `json:"total_estimated"`
	Facets         []search.Facet `json:"facets"`
}

// search answers GET /api/search?q=… (websearch syntax) with the caller's
// documents and those shared with them, best first, with the list's filters.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	page, err := s.runSearch(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) runSearch(r *http.Request) (searchPage, error) {
	q, err := search.ParseQuery(currentUser(r).ID, r.URL.Query())
	if err != nil {
		return searchPage{}, err
	}
	res, err := search.Search(r.Context(), s.d.DB, q)
	if err != nil {
		return searchPage{}, err
	}
	page := searchPage{Hits: make([]searchHit, len(res.Hits)), Next: res.Next, Total: res.Total,
		TotalEstimated: !res.TotalExact, Facets: res.Facets}
	if page.Facets == nil {
		page.Facets = []search.Facet{}
	}
	for i, h := range res.Hits {
		topics := h.Topics
		if topics == nil {
			topics = []catalog.TopicRef{}
		}
		matchIn := h.MatchIn
		if matchIn == nil {
			matchIn = []string{}
		}
		page.Hits[i] = searchHit{Rank: h.Rank, Match: h.Match, MatchIn: matchIn, Snippet: h.Snippet, Document: searchDocument{
			ID: h.ID, OwnerID: h.OwnerID, OwnerHandle: h.OwnerHandle, Permission: h.Permission, FolderID: h.FolderID,
			Filename: h.Filename, ContentType: h.ContentType, SizeBytes: h.SizeBytes, Status: h.Status,
			CreatedAt: h.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00"), DocumentDate: h.DocumentDate, Topics: topics,
		}}
	}
	return page, nil
}
