package worker

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
)

// ClassifierSource gives the classifier for one owner's documents.
type ClassifierSource interface {
	For(ctx context.Context, owner string, topics []classify.Topic) (classify.Classifier, error)
}

// Static is a ClassifierSource that gives every owner the same classifier.
type Static struct{ classify.Classifier }

// For implements ClassifierSource.
func (s Static) For(context.Context, string, []classify.Topic) (classify.Classifier, error) {
	return s.Classifier, nil
}

// OpenAIConfig is the server's OpenAI-compatible endpoint.
type OpenAIConfig struct {
	BaseURL, APIKey, Model string // Model: for users who chose none
	Timeout                time.Duration
	MaxInputTokens         int
	Client                 *http.Client
}

// Classifiers builds each owner's classifier from the database: the
// provider they chose (users.ai_provider, ai_model; Default when none),
// always behind their topics' match rules, and for builtin a model trained
// on the documents they filed by hand (source 'manual') and on their other
// documents (self-training). What it reads of an owner is cached and read
// again when the topics change or after Refresh, so a correction (or a new
// choice of provider) counts within a minute. Safe for concurrent use.
type Classifiers struct {
	DB        *sqlx.DB
	Default   string // builtin or openai
	Threshold float64
	OpenAI    OpenAIConfig
	// Refresh is how long an owner's model is used before it is rebuilt;
	// 0 means a minute.
	Refresh time.Duration
	// Log receives the match rules' warnings (refused, over budget); nil
	// is slog's default logger.
	Log *slog.Logger

	mu    sync.Mutex
	cache map[string]*ownerModel
}

var _ ClassifierSource = (*Classifiers)(nil)

type ownerModel struct {
	key   [32]byte // of the topics it was trained with
	built time.Time
	// read is how many of the owner's documents were read (classified)
	// when it was built, kept while they are few (see owner).
	read    int
	model   *classify.Builtin
	state   ownerState
	buildMu sync.Mutex
}

// nameSQL is a document's filename without its extension, as
// classify.FilenameWords has it.
const nameSQL = `regexp_replace(d.filename, '\.[^.]{1,5}$', '')`

// Limits of what a model is trained on.
const (
	maxExamples   = 1000      // most recent hand-filed documents
	maxBackground = 300       // most recent other documents
	maxTrainText  = 100 << 10 // bytes of each
	// fewDocuments: while an owner has fewer documents read than this, their
	// model is built again as soon as a quarter more are (at least one
	// more), instead of once a minute: a new owner's first batch is then
	// classified with the documents read before it as background (what
	// tells their generic words from telling ones), not with none.
	fewDocuments = 50
)

// For implements ClassifierSource.
func (c *Classifiers) For(ctx context.Context, owner string, topics []classify.Topic) (classify.Classifier, error) {
	m, err := c.owner(ctx, owner, topics)
	if err != nil {
		return nil, err
	}
	provider := c.Default
	if m.provider != "" {
		provider = m.provider
	}
	var base classify.Classifier = m.model
	if provider == "openai" {
		model := c.OpenAI.Model
		if m.aiModel != "" {
			model = m.aiModel
		}
		base = &classify.OpenAI{
			BaseURL: c.OpenAI.BaseURL, APIKey: c.OpenAI.APIKey, Model: model, Client: c.OpenAI.Client,
			Timeout: c.OpenAI.Timeout, Retries: 2, MaxInputTokens: c.OpenAI.MaxInputTokens,
			Threshold: c.Threshold, Fallback: m.model,
		}
	}
	return classify.WithRules{Base: base, Log: c.Log}, nil
}

// ownerState is what For needs of an owner, cached: their settings and
// their builtin model.
type ownerState struct {
	provider, aiModel string
	model             *classify.Builtin
}

// owner returns owner's cached state, rebuilding it when it is stale: the
// topics changed, Refresh passed, or (while they have fewer than
// fewDocuments read) a quarter more of their documents were read.
func (c *Classifiers) owner(ctx context.Context, owner string, topics []classify.Topic) (ownerState, error) {
	key := topicsKey(topics)
	refresh := c.Refresh
	if refresh == 0 {
		refresh = time.Minute
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string]*ownerModel{}
	}
	m := c.cache[owner]
	if m == nil {
		m = &ownerModel{}
		c.cache[owner] = m
	}
	c.mu.Unlock()

	m.buildMu.Lock() // one build per owner at a time; others wait for it
	defer m.buildMu.Unlock()
	fresh := m.model != nil && m.key == key && time.Since(m.built) < refresh
	if fresh && m.read < 0 {
		return m.state, nil
	}
	read := -1
	if owner != "" {
		if err := c.DB.GetContext(ctx, &read, `SELECT count(*) FROM documents WHERE user_id = $1 AND status = 'classified'`, owner); err != nil {
			return ownerState{}, fmt.Errorf("count the owner's documents: %w", err)
		}
	}
	if fresh && read < m.read+max(1, m.read/4) {
		// A new owner's, and too few of theirs read since to change it:
		// built again once a quarter more are read (after 1, 2, … 8, 10,
		// 12, 15, … documents), not after each one, which cost a drain
		// of a new owner's batch as much as classifying it.
		return m.state, nil
	}
	var u struct {
		Provider *string `db:"ai_provider"`
		Model    *string `db:"ai_model"`
	}
	if owner != "" {
		if err := c.DB.GetContext(ctx, &u, `SELECT ai_provider, ai_model FROM users WHERE id = $1`, owner); err != nil {
			return ownerState{}, fmt.Errorf("load the owner's settings: %w", err)
		}
	}
	b, err := c.train(ctx, owner, topics)
	if err != nil {
		return ownerState{}, err
	}
	m.state = ownerState{model: b}
	if u.Provider != nil {
		m.state.provider = *u.Provider
	}
	if u.Model != nil {
		m.state.aiModel = *u.Model
	}
	m.model, m.key, m.built, m.read = b, key, time.Now(), read
	if read >= fewDocuments {
		m.read = -1 // enough: rebuilt once a minute from now on
	}
	return m.state, nil
}

func (c *Classifiers) train(ctx context.Context, owner string, topics []classify.Topic) (*classify.Builtin, error) {
	in := classify.TrainInput{Topics: topics}
	if owner != "" && len(topics) > 0 {
		var ex []struct {
			Text   string         `db:"text"`
			Topics pq.StringArray `db:"topics"`
		}
		err := c.DB.SelectContext(ctx, &ex, `SELECT left(`+nameSQL+` || E'\n' || d.extracted_text, $2) AS text,
				array_agg(dt.topic_id::text) AS topics
			FROM document_topics dt JOIN documents d ON d.id = dt.document_id
			WHERE d.user_id = $1 AND dt.source = 'manual' AND d.extracted_text IS NOT NULL
			GROUP BY d.id ORDER BY max(d.updated_at) DESC LIMIT $3`, owner, maxTrainText, maxExamples)
		if err != nil {
			return nil, fmt.Errorf("load filed documents: %w", err)
		}
		for _, e := range ex {
			in.Examples = append(in.Examples, classify.Example{Text: e.Text, TopicIDs: e.Topics})
		}
		err = c.DB.SelectContext(ctx, &in.Background, `SELECT left(`+strings.ReplaceAll(nameSQL, "d.", "")+` || E'\n' || extracted_text, $2)
			FROM documents WHERE user_id = $1 AND status = 'classified' AND extracted_text IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = documents.id AND dt.source = 'manual')
			ORDER BY created_at DESC LIMIT $3`, owner, maxTrainText, maxBackground)
		if err != nil {
			return nil, fmt.Errorf("load the owner's documents: %w", err)
		}
	}
	return classify.Train(ctx, in, classify.Options{Threshold: c.Threshold, SelfTrain: true})
}

// topicsKey identifies a topic list for the cache.
func topicsKey(topics []classify.Topic) [32]byte {
	h := sha256.New()
	for _, t := range topics {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", t.ID, t.Name, t.Description)
	}
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}
