package classify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/classify"
)

const testKey = "sk-test-0123456789-secret"

// llm is a local server speaking the chat-completions protocol; answer
// writes its reply to each request.
func llm(t *testing.T, answer func(w http.ResponseWriter, req map[string]any)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"message":"Incorrect API key provided"}}`)
			return
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answer(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func completion(content string) string {
	b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": content}}}})
	return string(b)
}

func TestOpenAI(t *testing.T) {
	doc := classify.Document{Filename: "bill.pdf", Text: "Hospital bill: invoice for your stay, pay by bank transfer"}
	good := func(w http.ResponseWriter, req map[string]any) {
		// The topics go as an enum in the schema, and the model is asked for.
		rf, _ := json.Marshal(req["response_format"])
		if req["model"] != "test-model" || !strings.Contains(string(rf), `"enum":["Finance","Health","Car insurance"]`) {
			http.Error(w, "bad request: "+string(rf), http.StatusBadRequest)
			return
		}
		io.WriteString(w, completion(`{"topics":[{"name":"Health","score":0.9},{"name":"Finance","score":0.7},{"name":"Car insurance","score":0.05}]}`))
	}
	cases := []struct {
		name      string
		answer    func(http.ResponseWriter, map[string]any)
		key       string
		provider  string
		assigned  []string
		noteHas   string
		wantCalls int32
	}{
		{name: "answers", answer: good, provider: "openai", assigned: []string{"health", "fin"}, wantCalls: 1},
		{name: "answers in a code fence", answer: func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, completion("```json\n{\"topics\":[{\"name\":\"health\",\"score\":0.8}]}\n```"))
		}, provider: "openai", assigned: []string{"health"}, wantCalls: 1},
		{name: "names a topic that does not exist, beside real ones", answer: func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, completion(`{"topics":[{"name":"Holidays","score":0.99},{"name":"Finance","score":0.8}]}`))
		}, provider: "openai", assigned: []string{"fin"}, noteHas: `do not exist, ignored: "Holidays"`, wantCalls: 1},
		{name: "names only topics that do not exist", answer: func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, completion(`{"topics":[{"name":"Holidays","score":0.99}]}`))
		}, provider: "builtin", assigned: []string{"fin"}, noteHas: "named only topics that do not exist", wantCalls: 1},
		{name: "garbage", answer: func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, completion("I think it is about health!"))
		}, provider: "builtin", assigned: []string{"fin"}, noteHas: "not the JSON asked for", wantCalls: 1},
		{name: "not a completion", answer: func(w http.ResponseWriter, _ map[string]any) {
			io.WriteString(w, `<html>proxy error</html>`)
		}, provider: "builtin", noteHas: "not a chat completion", wantCalls: 1},
		{name: "server error, retried, then builtin", answer: func(w http.ResponseWriter, _ map[string]any) {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"error":{"message":"upstream down"}}`)
		}, provider: "builtin", noteHas: "HTTP 502: upstream down", wantCalls: 3},
		{name: "rate limited (429) twice, then answers", answer: func() func(http.ResponseWriter, map[string]any) {
			var n atomic.Int32
			return func(w http.ResponseWriter, req map[string]any) {
				if n.Add(1)%3 != 0 {
					w.WriteHeader(http.StatusTooManyRequests)
					io.WriteString(w, `{"error":{"message":"slow down"}}`)
					return
				}
				good(w, req)
			}
		}(), provider: "openai", assigned: []string{"health", "fin"}, wantCalls: 3},
		{name: "rate limited (429) on every try, then builtin", answer: func(w http.ResponseWriter, _ map[string]any) {
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"message":"slow down"}}`)
		}, provider: "builtin", noteHas: "HTTP 429: slow down", wantCalls: 3},
		{name: "wrong key: not retried", answer: good, key: "sk-wrong", provider: "builtin", noteHas: "HTTP 401: Incorrect API key", wantCalls: 1},
		{name: "times out", answer: func(w http.ResponseWriter, _ map[string]any) {
			time.Sleep(300 * time.Millisecond)
			io.WriteString(w, completion(`{"topics":[]}`))
		}, provider: "builtin", noteHas: "no answer within 100ms", wantCalls: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := llm(t, tc.answer)
			key := testKey
			if tc.key != "" {
				key = tc.key
			}
			fb, err := classify.Train(context.Background(), classify.TrainInput{Topics: household}, classify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			o := &classify.OpenAI{BaseURL: srv.URL + "/v1/", APIKey: key, Model: "test-model", Timeout: 100 * time.Millisecond,
				Retries: 2, Backoff: time.Millisecond, Fallback: fb}
			res, err := o.Classify(context.Background(), doc, household)
			if err != nil {
				t.Fatal(err)
			}
			got := assigned(t, classify.WithRules{Base: o}, doc, household)
			if res.Provider != tc.provider || fmt.Sprint(got) != fmt.Sprint(tc.assigned) && tc.assigned != nil {
				t.Errorf("provider %s, assigned %v; want %s, %v (note %q)", res.Provider, got, tc.provider, tc.assigned, res.Note)
			}
			if tc.noteHas == "" && res.Note != "" || !strings.Contains(res.Note, tc.noteHas) {
				t.Errorf("note %q, want it to say %q", res.Note, tc.noteHas)
			}
			if strings.Contains(res.Note, key) || strings.Contains(res.Note, srv.URL) {
				t.Errorf("the note leaks the key or the URL: %q", res.Note)
			}
			if n := calls.Load(); n != 2*tc.wantCalls { // assigned() asked again
				t.Errorf("%d requests, want %d per classification", n/2, tc.wantCalls)
			}
		})
	}
}

func TestOpenAITextBudget(t *testing.T) {
	var sent atomic.Int64
	srv, _ := llm(t, func(w http.ResponseWriter, req map[string]any) {
		msgs, _ := req["messages"].([]any)
		last, _ := msgs[len(msgs)-1].(map[string]any)
		content, _ := last["content"].(string)
		sent.Store(int64(len(content)))
		io.WriteString(w, completion(`{"topics":[]}`))
	})
	o := &classify.OpenAI{BaseURL: srv.URL + "/v1", APIKey: testKey, Model: "m", MaxInputTokens: 100, Fallback: nil}
	res, err := o.Classify(context.Background(), classify.Document{Text: strings.Repeat("é", 10_000)}, household)
	if err != nil || res.Provider != "openai" || len(res.Assigned()) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if n := sent.Load(); n > 100*4+100 {
		t.Errorf("sent %d bytes of text for a budget of 100 tokens", n)
	}
}
