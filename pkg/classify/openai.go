package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// OpenAI asks an OpenAI-compatible chat-completions endpoint (OpenAI,
// Ollama, vLLM, llama.cpp server) which of the topics a document belongs
// under. The request carries a JSON schema whose topic names are an enum of
// the owner's topics, and any name in the answer that is not one of them is
// dropped: it can never invent a topic. When the endpoint fails — after
// Retries more tries for timeouts, 429 and 5xx — or answers something
// unusable, Fallback decides and the Result's Note says so.
type OpenAI struct {
	BaseURL string // e.g. https://api.openai.com/v1
	APIKey  string // sent as a bearer token; never logged, never in an error
	Model   string
	Client  *http.Client // nil: http.DefaultClient
	// Timeout bounds each attempt; 0 means 30s.
	Timeout time.Duration
	// Retries after the first attempt; 0 means none.
	Retries int
	// Backoff before the first retry, doubling; 0 means 500ms.
	Backoff time.Duration
	// MaxInputTokens is the budget of document text, at about 4
	// characters a token; 0 means 3000.
	MaxInputTokens int
	// Threshold is the least score that assigns; 0 means DefaultThreshold.
	Threshold float64
	// Fallback classifies when the endpoint cannot; required.
	Fallback Classifier
}

var _ Classifier = (*OpenAI)(nil)

// errUnusable marks an answer that parsed as HTTP but not as a verdict.
var errUnusable = errors.New("unusable answer")

// Classify implements Classifier.
func (o *OpenAI) Classify(ctx context.Context, doc Document, topics []Topic) (Result, error) {
	if len(topics) == 0 {
		return Result{Provider: "openai"}, nil
	}
	// Topics marked ManualOnly are never offered to the model: they score
	// 0, and with none left there is nothing to ask.
	var offered []Topic
	for _, t := range topics {
		if !t.ManualOnly {
			offered = append(offered, t)
		}
	}
	if len(offered) == 0 {
		return withManualOnly(Result{Provider: "openai"}, topics), nil
	}
	res, err := o.ask(ctx, doc, offered)
	if err == nil {
		return withManualOnly(res, topics), nil
	}
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	fb, ferr := o.Fallback.Classify(ctx, doc, topics)
	if ferr != nil {
		return Result{}, ferr
	}
	note := fmt.Sprintf("openai (%s) failed: %s; classified by %s instead", o.Model, oneLine(err.Error()), fb.Provider)
	if fb.Note != "" {
		note += "; " + fb.Note
	}
	fb.Note = note
	return fb, nil
}

// withManualOnly adds the ManualOnly topics of topics to res, unscored.
func withManualOnly(res Result, topics []Topic) Result {
	for _, t := range topics {
		if t.ManualOnly {
			res.Matches = append(res.Matches, Match{TopicID: t.ID})
		}
	}
	return res
}

func (o *OpenAI) ask(ctx context.Context, doc Document, topics []Topic) (Result, error) {
	body, err := json.Marshal(o.request(doc, topics))
	if err != nil {
		return Result{}, err
	}
	backoff := o.Backoff
	if backoff == 0 {
		backoff = 500 * time.Millisecond
	}
	var lastErr error
	for attempt := 0; attempt <= o.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(backoff):
				backoff *= 2
			case <-ctx.Done():
				return Result{}, ctx.Err()
			}
		}
		content, retry, err := o.post(ctx, body)
		if err == nil {
			return o.parse(content, topics)
		}
		lastErr = err
		if !retry {
			break
		}
	}
	return Result{}, lastErr
}

// post sends one request and returns the answer's message content, or an
// error and whether another try may help.
func (o *OpenAI) post(ctx context.Context, body []byte) (content string, retry bool, err error) {
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.BaseURL, "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", false, fmt.Errorf("bad OPENAI_BASE_URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", true, fmt.Errorf("no answer within %s", timeout)
		}
		return "", true, fmt.Errorf("request failed: %s", redactURLError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", true, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := apiErrorMessage(raw)
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return "", retry, fmt.Errorf("HTTP %d%s", resp.StatusCode, msg)
	}
	var cc struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(raw, &cc); err != nil || len(cc.Choices) == 0 {
		return "", false, fmt.Errorf("%w: not a chat completion", errUnusable)
	}
	return cc.Choices[0].Message.Content, false, nil
}

// apiErrorMessage pulls {"error":{"message"}} out of an error answer, short.
func apiErrorMessage(raw []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Error.Message == "" {
		return ""
	}
	m := oneLine(e.Error.Message)
	if len(m) > 200 {
		m = strings.ToValidUTF8(m[:200], "") + "…"
	}
	return ": " + m
}

// redactURLError keeps the cause of a transport error without the URL.
func redactURLError(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error()
	}
	return err.Error()
}

type chatRequest struct {
	Model          string         `json:"model"`
	Messages       []chatMessage  `json:"messages"`
	Temperature    float64        `json:"temperature"`
	ResponseFormat map[string]any `json:"response_format"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func (o *OpenAI) request(doc Document, topics []Topic) chatRequest {
	names := make([]string, len(topics))
	var list strings.Builder
	for i, t := range topics {
		names[i] = t.Name
		fmt.Fprintf(&list, "- %s", t.Name)
		if d := strings.TrimSpace(t.Description); d != "" {
			fmt.Fprintf(&list, ": %s", oneLine(d))
		}
		list.WriteByte('\n')
	}
	budget := o.MaxInputTokens
	if budget == 0 {
		budget = 3000
	}
	text := doc.Text
	if max := budget * 4; len(text) > max {
		text = text[:max]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"topics": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"name":   map[string]any{"type": "string", "enum": names},
						"score":  map[string]any{"type": "number"},
						"reason": map[string]any{"type": "string"},
					},
					"required":             []string{"name", "score", "reason"},
					"additionalProperties": false,
				},
			},
		},
		"required":             []string{"topics"},
		"additionalProperties": false,
	}
	return chatRequest{
		Model:       o.Model,
		Temperature: 0,
		Messages: []chatMessage{
			{Role: "system", Content: "You file documents under a person's topics. Answer with JSON only. " +
				"Give every topic from the list a score between 0 and 1: how sure you are that the document belongs under it. " +
				"A document may belong under several topics or none. Use only topic names from the list, exactly as written. " +
				"For a topic scored 0.5 or more, give as reason the few words or the short passage of the document that decided it (at most 12 words); otherwise an empty reason.\n\nTopics:\n" + list.String()},
			{Role: "user", Content: "File name: " + doc.Filename + "\n\nText:\n" + text},
		},
		ResponseFormat: map[string]any{
			"type":        "json_schema",
			"json_schema": map[string]any{"name": "topics", "strict": true, "schema": schema},
		},
	}
}

// maxReason bounds the model's reason kept as a topic's evidence, in
// characters.
const maxReason = 200

// parse turns the model's JSON into a Result over exactly topics.
func (o *OpenAI) parse(content string, topics []Topic) (Result, error) {
	content = strings.TrimSpace(content)
	content = strings.TrimPrefix(strings.TrimSuffix(content, "```"), "```json")
	var ans struct {
		Topics []struct {
			Name   string   `json:"name"`
			Score  *float64 `json:"score"`
			Reason string   `json:"reason"`
		} `json:"topics"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(content)), &ans); err != nil {
		return Result{}, fmt.Errorf("%w: not the JSON asked for", errUnusable)
	}
	byName := make(map[string]int, len(topics))
	for i, t := range topics {
		byName[strings.ToLower(t.Name)] = i
	}
	scores := make([]float64, len(topics))
	reasons := make([]string, len(topics))
	var unknown []string
	valid := 0
	for _, a := range ans.Topics {
		i, ok := byName[strings.ToLower(strings.TrimSpace(a.Name))]
		if !ok || a.Score == nil {
			unknown = append(unknown, fmt.Sprintf("%q", a.Name))
			continue
		}
		valid++
		if sc := min(1, max(0, *a.Score)); sc >= scores[i] {
			scores[i] = sc
			if r := oneLine(a.Reason); r != "" {
				if rs := []rune(r); len(rs) > maxReason {
					r = string(rs[:maxReason]) + "…"
				}
				reasons[i] = r
			}
		}
	}
	if valid == 0 && len(ans.Topics) > 0 {
		return Result{}, fmt.Errorf("%w: it named only topics that do not exist (%s)", errUnusable, strings.Join(unknown, ", "))
	}
	threshold := o.Threshold
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	res := Result{Provider: "openai"}
	for i, t := range topics {
		m := Match{TopicID: t.ID, Score: scores[i], Assigned: scores[i] >= threshold}
		if reasons[i] != "" {
			m.Evidence = []string{reasons[i]}
		}
		res.Matches = append(res.Matches, m)
	}
	if len(unknown) > 0 {
		if len(unknown) > 5 {
			unknown = append(unknown[:5], "…")
		}
		res.Note = "openai named topics that do not exist, ignored: " + strings.Join(unknown, ", ")
	}
	sortMatches(res.Matches)
	return res, nil
}
