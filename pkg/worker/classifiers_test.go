package worker_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"
)

func classifyWith(t *testing.T, c *worker.Classifiers, owner string, ts []classify.Topic, text string) classify.Result {
	t.Helper()
	cl, err := c.For(context.Background(), owner, ts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cl.Classify(context.Background(), classify.Document{Text: text}, ts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func asTopics(ts []topics.Topic) []classify.Topic {
	out := make([]classify.Topic, len(ts))
	for i, t := range ts {
		out[i] = classify.Topic{ID: t.ID, Name: t.Name, Description: t.Description}
	}
	return out
}

// Each owner gets their own provider, and builtin learns what they filed.
func TestClassifiersPerOwner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var calls atomic.Int32
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.WriteString(w, `{"choices":[{"message":{"content":"{\"topics\":[{\"name\":\"Health\",\"score\":0.9}]}"}}]}`)
	}))
	defer llm.Close()
	c := &worker.Classifiers{DB: f.db, Default: "builtin", Refresh: time.Hour,
		OpenAI: worker.OpenAIConfig{BaseURL: llm.URL, Model: "m", Timeout: time.Second}}

	ts, err := topics.List(ctx, f.db, f.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	mine := asTopics(ts)
	text := "Quote: lawn mowing, pruning the apple trees"
	if res := classifyWith(t, c, f.user.ID, mine, text); res.Provider != "builtin" || len(res.Assigned()) != 0 {
		t.Fatalf("before: %+v", res)
	}

	// A person files two garden documents under Finance (their choice).
	for _, body := range []string{"lawn mowing and hedge trimming", "pruning apple trees, lawn care"} {
		id := f.upload(t, "quote.txt", body)
		if _, err := f.db.Exec(`UPDATE documents SET status = 'classified', extracted_text = $2 WHERE id = $1`, id, body); err != nil {
			t.Fatal(err)
		}
		if err := topics.SetDocument(ctx, f.db, f.user.ID, id, []string{f.topic["Finance"].ID}); err != nil {
			t.Fatal(err)
		}
	}
	// A new owner's model (fewer than 50 documents read) is built again
	// as soon as another of theirs is read, Refresh or not…
	if res := classifyWith(t, c, f.user.ID, mine, text); len(res.Assigned()) != 1 || res.Assigned()[0].TopicID != f.topic["Finance"].ID {
		t.Fatalf("a new owner's cached model after two documents were read: %+v", res)
	}
	// …and otherwise kept until the topics change or Refresh passes: a
	// document filed differently without any more read changes nothing.
	if err := topics.SetDocument(ctx, f.db, f.user.ID, f.upload(t, "note.txt", "lawn"), nil); err != nil {
		t.Fatal(err)
	}
	if res := classifyWith(t, c, f.user.ID, mine, text); len(res.Assigned()) != 1 {
		t.Fatalf("the cached model changed: %+v", res)
	}
	fresh := &worker.Classifiers{DB: f.db, Default: "builtin"}
	if res := classifyWith(t, fresh, f.user.ID, mine, text); len(res.Assigned()) != 1 || res.Assigned()[0].TopicID != f.topic["Finance"].ID {
		t.Errorf("after filing: %+v", res)
	}

	// The owner chooses openai (read again after Refresh, here a new
	// source); another user stays on the default.
	if _, err := f.db.Exec(`UPDATE users SET ai_provider = 'openai', ai_model = 'their-model' WHERE id = $1`, f.user.ID); err != nil {
		t.Fatal(err)
	}
	if res := classifyWith(t, c, f.user.ID, mine, text); res.Provider != "builtin" || calls.Load() != 0 {
		t.Errorf("the cached choice changed before Refresh: %+v", res)
	}
	c = &worker.Classifiers{DB: f.db, Default: "builtin", Refresh: time.Hour,
		OpenAI: worker.OpenAIConfig{BaseURL: llm.URL, Model: "m", Timeout: time.Second}}
	if res := classifyWith(t, c, f.user.ID, mine, text); res.Provider != "openai" || len(res.Assigned()) != 1 || res.Assigned()[0].TopicID != f.topic["Health"].ID || calls.Load() != 1 {
		t.Errorf("openai: %+v (%d calls)", res, calls.Load())
	}
	bob, err := users.Create(ctx, f.db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if res := classifyWith(t, c, bob.ID, nil, text); res.Provider != "builtin" || len(res.Matches) != 0 {
		t.Errorf("a user with no topics: %+v", res)
	}
	// A user with no topics never reaches the LLM.
	if _, err := f.db.Exec(`UPDATE users SET ai_provider = 'openai' WHERE id = $1`, bob.ID); err != nil {
		t.Fatal(err)
	}
	c.Refresh = time.Nanosecond
	if res := classifyWith(t, c, bob.ID, nil, text); len(res.Matches) != 0 || calls.Load() != 1 {
		t.Errorf("no topics, openai: %+v (%d calls)", res, calls.Load())
	}
}
