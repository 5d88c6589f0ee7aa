package main

import (
	"fmt"
	"net/url"
	"strings"
)

// benchQuery is one of the 100 fixed queries: its kind (for the report),
// its label and its URL parameters (q and filters).
type benchQuery struct {
	kind   string
	label  string
	params url.Values
}

// The fixed queries. Common words match thousands of documents (oil: about
// 3,000; said: most of Reuters), rare ones a handful; phrases are in
// quotes; filters are a topic, a created range and a content type.
var (
	commonWords = []string{"oil", "prices", "bank", "market", "company", "government", "trade", "shares", "dollar",
		"said", "rates", "tax", "week", "money", "people", "time", "state", "water", "house", "world",
		"first", "work", "business", "new", "year"}
	rareWords = []string{"cocoa", "zinc", "temporao", "amphisbaena", "fetchmail", "spamassassin", "tungsten", "saffron",
		"walrus", "marmalade", "kerosene", "sorghum", "Kuwait", "Mitterrand", "Volcker", "reactor", "palladium",
		"rapeseed", "Bundesbank", "Procmail", "sonnet", "cathedral", "harpsichord", "Ecuador", "tapioca"}
	phrases = []string{`"interest rates"`, `"trade deficit"`, `"oil prices"`, `"central bank"`, `"stock exchange"`,
		`"per share"`, `"net income"`, `"free software"`, `"mailing list"`, `"new york"`, `"united states"`,
		`"prime minister"`, `"civil war"`, `"high school"`, `"white house"`, `"money supply"`, `"crude oil"`,
		`"natural gas"`, `"joint venture"`, `"department of agriculture"`}
	booleans = []string{"oil -crude", "coffee or cocoa", "gold -silver", "wheat corn", "tax reform", "credit card",
		"bank loan or credit", "linux kernel", "sugar -beet", "church music"}
	typos = []string{"cocao review", "bundesbnak", "amphisbena"}
)

func benchQueries(st stats) []benchQuery {
	var out []benchQuery
	add := func(kind, text string, extra ...string) {
		v := url.Values{"q": {text}}
		label := text
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
			label += fmt.Sprintf(" [%s=%s]", extra[i], extra[i+1])
		}
		out = append(out, benchQuery{kind: kind, label: label, params: v})
	}
	for _, w := range commonWords {
		add("common word", w)
	}
	for _, w := range rareWords {
		add("rare word", w)
	}
	for _, p := range phrases {
		add("phrase", p)
	}
	for _, b := range booleans {
		add("or / -word / several words", b)
	}
	for _, t := range typos {
		add("typo (filename similarity)", t)
	}
	topic := func(name string) string { return st.topics[name] }
	// Seventeen filtered queries: topic, created range, content type.
	add("filtered", "oil", "topic", topic("crude"))
	add("filtered", "prices", "topic", topic("crude"))
	add("filtered", "bank", "topic", topic("money-fx"))
	add("filtered", "said", "topic", topic("earn"))
	add("filtered", `"interest rates"`, "topic", topic("interest"))
	add("filtered", "coffee", "topic", topic("coffee"))
	add("filtered", "free", "topic", topic("spam"))
	add("filtered", "water", "topic", topic("dictionary"))
	add("filtered", "music", "topic", topic("news"))
	add("filtered", "oil", "created_after", "2020-01-01T00:00:00Z")
	add("filtered", "market", "created_after", "1987-03-01T00:00:00Z", "created_before", "1987-04-01T00:00:00Z")
	add("filtered", "government", "created_before", "2018-01-01T00:00:00Z")
	add("filtered", `"united states"`, "created_after", "2016-01-01T00:00:00Z", "created_before", "2017-01-01T00:00:00Z")
	add("filtered", "money", "content_type", "message/rfc822")
	add("filtered", "linux", "content_type", "message/rfc822")
	add("filtered", "house", "content_type", "text/plain", "created_after", "2022-01-01T00:00:00Z")
	add("filtered", "cocoa", "status", "classified")
	return out
}

// ilike is the baseline: the same query as ILIKE '%…%' over the filename
// and text (a quoted phrase as one pattern, each other word its own; "or"
// joins its neighbours, -word excludes), the same filters, newest 20 first.
func ilike(user string, bq benchQuery) (string, []any) {
	args := []any{user}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	pattern := func(s string) string {
		return "'%' || " + arg(strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)) + " || '%'"
	}
	hay := "(d.filename || ' ' || COALESCE(d.extracted_text, ''))"
	var terms []string
	text := bq.params.Get("q")
	for text != "" {
		text = strings.TrimSpace(text)
		var tok string
		if strings.HasPrefix(text, `"`) {
			end := strings.Index(text[1:], `"`)
			if end < 0 {
				end = len(text) - 1
			}
			tok, text = text[:end+2], text[min(end+2, len(text)):]
		} else {
			f := strings.Fields(text)
			if len(f) == 0 {
				break
			}
			tok, text = f[0], strings.TrimPrefix(text, f[0])
		}
		terms = append(terms, tok)
	}
	var conds []string
	for i := 0; i < len(terms); i++ {
		t := terms[i]
		switch {
		case strings.EqualFold(t, "or") && len(conds) > 0 && i+1 < len(terms):
			i++
			conds[len(conds)-1] = "(" + conds[len(conds)-1] + " OR " + hay + " ILIKE " + pattern(strings.Trim(terms[i], `"`)) + ")"
		case strings.HasPrefix(t, "-"):
			conds = append(conds, hay+" NOT ILIKE "+pattern(strings.TrimPrefix(t, "-")))
		default:
			conds = append(conds, hay+" ILIKE "+pattern(strings.Trim(t, `"`)))
		}
	}
	where := append([]string{"d.user_id = $1", "d.status <> 'uploading'"}, conds...)
	p := bq.params
	if v := p.Get("topic"); v != "" {
		where = append(where, "EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id = "+arg(v)+")")
	}
	if v := p.Get("status"); v != "" {
		where = append(where, "d.status = "+arg(v))
	}
	if v := p.Get("content_type"); v != "" {
		where = append(where, "d.content_type = "+arg(v))
	}
	if v := p.Get("created_after"); v != "" {
		where = append(where, "d.created_at >= "+arg(v)+"::timestamptz")
	}
	if v := p.Get("created_before"); v != "" {
		where = append(where, "d.created_at < "+arg(v)+"::timestamptz")
	}
	return "SELECT d.id FROM documents d WHERE " + strings.Join(where, " AND ") + " ORDER BY d.created_at DESC, d.id DESC LIMIT 20", args
}
