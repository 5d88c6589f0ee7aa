//go:build classifydev

package classify

// A development evaluation of Builtin on the TRAINING split of the
// Reuters-21578 corpus of scripts/bench-classify.sh (never its test split):
// held-out training documents play the test set, the k examples per topic
// are drawn from the other training documents. Built only with the
// classifydev tag, and DOCUVAULT_CLASSIFY_DEV names the corpus directory
// (.dev/classify-corpus, made by scripts/bench-classify.sh):
//
//	DOCUVAULT_CLASSIFY_DEV=$PWD/.dev/classify-corpus go test -tags classifydev ./pkg/classify/ -run DevEval -v
//
// Each fold holds out, per topic, 35 % of its training documents (at most
// 100); rows: zero-shot, and 5 and 20 examples per topic drawn from the
// rest (seeds). The held-out documents are also the unlabelled background,
// as the test documents are in the benchmark. Knobs: DEV_FOLDS (3),
// DEV_SEEDS (2), DEV_CONF=1 (print the confusions), DOCUVAULT_CLASSIFY_DEV_OOD=1
// (add the licenses of /usr/share/common-licenses to the background and
// count how many get a topic; =chunks cuts them into 150-word pieces).
// TestDevExplain (DEV_EXPLAIN=label DEV_EXPLAIN_PRED=label) prints the words
// behind a few documents of one topic ranked under another.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

type devDoc struct {
	ID, Label, Text string
}

type devTopic struct {
	Label, Name, Description string
}

func devHash(s string) uint64 {
	h := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(h[:8])
}

func devLoad(t *testing.T, dir string) ([]devTopic, []devDoc) {
	var meta struct {
		Labels []devTopic `json:"labels"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "topics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "train.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []devDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var d devDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	return meta.Labels, docs
}

// devSplit holds out, per label, the 35 % of training documents (at most
// 100) that rank first by sha256("dev:FOLD:id"); the rest is the pool.
func devSplit(docs []devDoc, labels []devTopic, fold int) (held, pool []devDoc) {
	by := map[string][]devDoc{}
	for _, d := range docs {
		by[d.Label] = append(by[d.Label], d)
	}
	for _, l := range labels {
		ds := append([]devDoc(nil), by[l.Label]...)
		sort.Slice(ds, func(i, j int) bool {
			return devHash(fmt.Sprintf("dev:%d:%s", fold, ds[i].ID)) < devHash(fmt.Sprintf("dev:%d:%s", fold, ds[j].ID))
		})
		n := int(math.Ceil(0.35 * float64(len(ds))))
		if n > 100 {
			n = 100
		}
		held = append(held, ds[:n]...)
		pool = append(pool, ds[n:]...)
	}
	return held, pool
}

func devSample(pool []devDoc, label string, k, fold, seed int) []devDoc {
	var ds []devDoc
	for _, d := range pool {
		if d.Label == label {
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool {
		return devHash(fmt.Sprintf("devsample:%d:%d:%s", fold, seed, ds[i].ID)) < devHash(fmt.Sprintf("devsample:%d:%d:%s", fold, seed, ds[j].ID))
	})
	if len(ds) > k {
		ds = ds[:k]
	}
	return ds
}

// devOOD is text about none of the topics: the licenses in
// /usr/share/common-licenses, whole (first 2,000 words), or with
// DOCUVAULT_CLASSIFY_DEV_OOD=chunks cut into chunks of about 150 words.
func devOOD() []string {
	paths, _ := filepath.Glob("/usr/share/common-licenses/*")
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		w := strings.Fields(string(raw))
		if os.Getenv("DOCUVAULT_CLASSIFY_DEV_OOD") == "chunks" {
			for i := 0; i < len(w) && i < 3000; i += 150 {
				j := min(i+150, len(w))
				out = append(out, strings.Join(w[i:j], " "))
			}
			continue
		}
		out = append(out, strings.Join(w[:min(len(w), 2000)], " "))
	}
	return out
}

type devStats struct {
	acc, f1              float64
	assigned, assignedOK int
	docsWithTopic, n     int
	oodAssigned, oodN    int
	oodMax               float64
	secs                 float64
	bands, bandsOK       [5]int
}

func devRun(t *testing.T, topics []devTopic, held []devDoc, ex map[string][]devDoc, ood []string) devStats {
	var ts []Topic
	var exs []Example
	for _, tp := range topics {
		ts = append(ts, Topic{ID: tp.Label, Name: tp.Name, Description: tp.Description})
		for _, d := range ex[tp.Label] {
			exs = append(exs, Example{Text: d.Text, TopicIDs: []string{tp.Label}})
		}
	}
	var bg []string
	for _, d := range held {
		bg = append(bg, "\n"+d.Text)
	}
	for _, s := range ood {
		bg = append(bg, "\n"+s)
	}
	t0 := time.Now()
	b, err := Train(context.Background(), TrainInput{Topics: ts, Examples: exs, Background: bg}, Options{SelfTrain: true})
	if err != nil {
		t.Fatal(err)
	}
	var st devStats
	gold := make([]string, len(held))
	pred := make([]string, len(held))
	for i, d := range held {
		res, err := b.Classify(context.Background(), Document{Text: d.Text}, ts)
		if err != nil {
			t.Fatal(err)
		}
		gold[i], pred[i] = d.Label, res.Matches[0].TopicID
		any := false
		for _, m := range res.Matches {
			if m.Score >= 0.2 {
				bnd := min(int(m.Score*5), 4)
				st.bands[bnd]++
				if m.TopicID == d.Label {
					st.bandsOK[bnd]++
				}
			}
			if m.Assigned {
				any = true
				st.assigned++
				if m.TopicID == d.Label {
					st.assignedOK++
				}
			}
		}
		if any {
			st.docsWithTopic++
		}
	}
	st.secs = time.Since(t0).Seconds()
	for _, s := range ood {
		res, _ := b.Classify(context.Background(), Document{Text: s}, ts)
		st.oodN++
		if res.Matches[0].Assigned {
			st.oodAssigned++
		}
		st.oodMax = math.Max(st.oodMax, res.Matches[0].Score)
	}
	st.n = len(held)
	if os.Getenv("DEV_CONF") != "" {
		conf := map[[2]string]int{}
		for i := range gold {
			if gold[i] != pred[i] {
				conf[[2]string{gold[i], pred[i]}]++
			}
		}
		type kv struct {
			k [2]string
			n int
		}
		var all []kv
		for k, n := range conf {
			all = append(all, kv{k, n})
		}
		sort.Slice(all, func(i, j int) bool {
			return all[i].n > all[j].n || all[i].n == all[j].n && all[i].k[0]+all[i].k[1] < all[j].k[0]+all[j].k[1]
		})
		line := "CONF"
		for _, x := range all {
			if x.n >= 2 {
				line += fmt.Sprintf(" %s→%s:%d", x.k[0], x.k[1], x.n)
			}
		}
		fmt.Println(line)
	}
	st.acc, st.f1 = devAccF1(topics, gold, pred)
	return st
}

// devAccF1 is the accuracy and macro-F1 (over topics) of the labels pred
// against gold.
func devAccF1(topics []devTopic, gold, pred []string) (acc, f1 float64) {
	correct := 0
	for i := range gold {
		if gold[i] == pred[i] {
			correct++
		}
	}
	for _, tp := range topics {
		var tp_, fp, fn float64
		for i := range gold {
			switch {
			case gold[i] == tp.Label && pred[i] == tp.Label:
				tp_++
			case gold[i] != tp.Label && pred[i] == tp.Label:
				fp++
			case gold[i] == tp.Label:
				fn++
			}
		}
		if tp_ > 0 {
			p, r := tp_/(tp_+fp), tp_/(tp_+fn)
			f1 += 2 * p * r / (p + r)
		}
	}
	return float64(correct) / float64(len(gold)), f1 / float64(len(topics))
}

func TestDevEval(t *testing.T) {
	dir := os.Getenv("DOCUVAULT_CLASSIFY_DEV")
	if dir == "" {
		t.Fatal("set DOCUVAULT_CLASSIFY_DEV to the corpus directory (.dev/classify-corpus)")
	}
	topics, docs := devLoad(t, dir)
	folds, seeds := 3, 2
	if v := os.Getenv("DEV_FOLDS"); v != "" {
		fmt.Sscan(v, &folds)
	}
	if v := os.Getenv("DEV_SEEDS"); v != "" {
		fmt.Sscan(v, &seeds)
	}
	var ood []string
	if os.Getenv("DOCUVAULT_CLASSIFY_DEV_OOD") != "" {
		ood = devOOD()
	}
	type agg struct {
		s  []devStats
		lo float64
		hi float64
	}
	rows := map[string]*agg{}
	order := []string{"zero-shot", "k=5", "k=20"}
	add := func(name string, s devStats) {
		a := rows[name]
		if a == nil {
			a = &agg{lo: 1}
			rows[name] = a
		}
		a.s = append(a.s, s)
		a.lo, a.hi = math.Min(a.lo, s.acc), math.Max(a.hi, s.acc)
	}
	for fold := 0; fold < folds; fold++ {
		held, pool := devSplit(docs, topics, fold)
		s := devRun(t, topics, held, nil, ood)
		add("zero-shot", s)
		t.Logf("fold %d zero-shot: n=%d acc %.3f f1 %.3f, OOD assigned %d/%d", fold, s.n, s.acc, s.f1, s.oodAssigned, s.oodN)
		for _, k := range []int{5, 20} {
			for seed := 0; seed < seeds; seed++ {
				ex := map[string][]devDoc{}
				for _, tp := range topics {
					ex[tp.Label] = devSample(pool, tp.Label, k, fold, seed)
				}
				s := devRun(t, topics, held, ex, ood)
				add(fmt.Sprintf("k=%d", k), s)
				t.Logf("fold %d k=%d seed %d: acc %.3f f1 %.3f, OOD assigned %d/%d", fold, k, seed, s.acc, s.f1, s.oodAssigned, s.oodN)
			}
		}
	}
	for _, name := range order {
		a := rows[name]
		var acc, f1, secs float64
		var asg, asgOK, withT, n, oodA, oodN int
		var oodMax float64
		var bands, bandsOK [5]int
		for _, s := range a.s {
			acc += s.acc
			f1 += s.f1
			secs += s.secs
			asg += s.assigned
			asgOK += s.assignedOK
			withT += s.docsWithTopic
			n += s.n
			oodA += s.oodAssigned
			oodN += s.oodN
			oodMax = math.Max(oodMax, s.oodMax)
			for i := range bands {
				bands[i] += s.bands[i]
				bandsOK[i] += s.bandsOK[i]
			}
		}
		m := float64(len(a.s))
		line := fmt.Sprintf("DEV %-9s acc %.4f f1 %.4f (acc %.3f–%.3f) | assigned prec %.3f, docs with topic %.3f | bands", name, acc/m, f1/m, a.lo, a.hi,
			float64(asgOK)/math.Max(1, float64(asg)), float64(withT)/float64(n))
		for i := 1; i < 5; i++ {
			line += fmt.Sprintf(" %.2f(n=%d)", float64(bandsOK[i])/math.Max(1, float64(bands[i])), bands[i]/len(a.s))
		}
		if oodN > 0 {
			line += fmt.Sprintf(" | OOD assigned %d/%d, max %.2f", oodA, oodN, oodMax)
		}
		line += fmt.Sprintf(" | %.2fs/run", secs/m)
		fmt.Println(line)
	}
}

func TestDevExplain(t *testing.T) {
	dir := os.Getenv("DOCUVAULT_CLASSIFY_DEV")
	if dir == "" || os.Getenv("DEV_EXPLAIN") == "" {
		t.Skip()
	}
	topics, docs := devLoad(t, dir)
	held, _ := devSplit(docs, topics, 0)
	var ts []Topic
	for _, tp := range topics {
		ts = append(ts, Topic{ID: tp.Label, Name: tp.Name, Description: tp.Description})
	}
	var bg []string
	for _, d := range held {
		bg = append(bg, "\n"+d.Text)
	}
	b, _ := Train(context.Background(), TrainInput{Topics: ts, Background: bg}, Options{SelfTrain: true})
	want, wrong := os.Getenv("DEV_EXPLAIN"), os.Getenv("DEV_EXPLAIN_PRED")
	shown := 0
	for _, d := range held {
		if d.Label != want {
			continue
		}
		v := b.idf.vector(counts("\n" + withoutLicences(d.Text)))
		raw := b.raw(v)
		best, _ := bestOf(raw)
		if best < 0 || ts[best].ID != wrong || shown >= 4 {
			continue
		}
		shown++
		fmt.Printf("--- %s: %.80q\n", d.ID, d.Text)
		for _, id := range []string{want, wrong} {
			k := b.at[id]
			type c struct {
				t string
				x float64
			}
			var cs []c
			for tm, x := range v {
				for _, p := range b.index[tm] {
					if p.topic == k {
						cs = append(cs, c{tm, x * p.w})
					}
				}
			}
			sort.Slice(cs, func(i, j int) bool { return cs[i].x > cs[j].x })
			line := fmt.Sprintf("  %s %.3f:", id, raw[k])
			for i := 0; i < len(cs) && i < 8; i++ {
				line += fmt.Sprintf(" %s=%.3f", cs[i].t, cs[i].x)
			}
			fmt.Println(line)
		}
	}
}

// TestDevBatch classifies every document of a corpus's dev split
// (train.jsonl) zero-shot, with the whole split as the batch's unlabelled
// background, as `docuvault classify` and the worker do: with and without
// self-training, beside a plain lexical baseline (the tf-idf cosine of the
// text against each topic's name and description). It reports top-1
// accuracy, macro-F1, the share of documents assigned a topic and how many
// assigned topics are right. DEV_SHOW=1 prints each document's best two
// (=2: and the words behind them), DEV_ONLY=id,id… keeps only those
// documents, DEV_MAX=n a sample of n (DEV_SALT=x: another sample of that
// size), DEV_NOBG=1 classifies each with no background, as the worker does
// its owner's first documents, DEV_ADAPT_ONLY=1 skips the run without
// self-training, DEV_LEX=0,0.2,… runs once per lexicalWeight given instead
// of the model's own.
//
//	DOCUVAULT_CLASSIFY_DEV=$PWD/.dev/classify-corpus-long go test -tags classifydev ./pkg/classify/ -run DevBatch -v
func TestDevBatch(t *testing.T) {
	dir := os.Getenv("DOCUVAULT_CLASSIFY_DEV")
	if dir == "" {
		t.Skip("DOCUVAULT_CLASSIFY_DEV is not set")
	}
	topics, docs := devLoad(t, dir)
	if v := os.Getenv("DEV_ONLY"); v != "" {
		keep := map[string]bool{}
		for _, id := range strings.Split(v, ",") {
			keep[id] = true
		}
		var kept []devDoc
		for _, d := range docs {
			if keep[d.ID] {
				kept = append(kept, d)
			}
		}
		docs = kept
	}
	if v := os.Getenv("DEV_MAX"); v != "" {
		var n int
		fmt.Sscan(v, &n)
		if n < len(docs) {
			salt := os.Getenv("DEV_SALT") // another sample of the same size
			sort.Slice(docs, func(i, j int) bool { return devHash("max:"+salt+docs[i].ID) < devHash("max:"+salt+docs[j].ID) })
			docs = docs[:n]
		}
	}
	var ts []Topic
	for _, tp := range topics {
		ts = append(ts, Topic{ID: tp.Label, Name: tp.Name, Description: tp.Description})
	}
	var bg []string
	for _, d := range docs {
		bg = append(bg, d.Text)
	}
	if os.Getenv("DEV_NOBG") != "" {
		bg = nil // as the worker's first documents: nothing else of the owner's yet
	}
	report := func(name string, pred []string, top []float64, assigned []bool, dur time.Duration) {
		gold := make([]string, len(docs))
		ok, nAssigned, okAssigned := 0, 0, 0
		for i, d := range docs {
			gold[i] = d.Label
			if pred[i] == d.Label {
				ok++
			}
			if assigned[i] {
				nAssigned++
				if pred[i] == d.Label {
					okAssigned++
				}
			}
		}
		t.Logf("%-14s n=%d top-1 %.3f macro-F1 %.3f assigned %.3f (right %d/%d) in %v", name, len(docs),
			float64(ok)/float64(len(docs)), devMacroF1(gold, pred), float64(nAssigned)/float64(len(docs)), okAssigned, nAssigned, dur.Round(time.Millisecond))
	}
	lexes := []float64{-1} // the model's own lexicalWeight
	if v := os.Getenv("DEV_LEX"); v != "" {
		lexes = nil
		for _, f := range strings.Split(v, ",") {
			var x float64
			fmt.Sscan(f, &x)
			lexes = append(lexes, x)
		}
	}
	adapts := []bool{true, false}
	if os.Getenv("DEV_ADAPT_ONLY") != "" {
		adapts = adapts[:1]
	}
	for _, lexw := range lexes {
		for _, adapt := range adapts {
			t0 := time.Now()
			o := Options{SelfTrain: adapt}
			if lexw >= 0 {
				o.lexical, o.lexicalSet = lexw, true
			}
			b, err := Train(context.Background(), TrainInput{Topics: ts, Background: bg}, o)
			if err != nil {
				t.Fatal(err)
			}
			pred := make([]string, len(docs))
			top := make([]float64, len(docs))
			assigned := make([]bool, len(docs))
			for i, d := range docs {
				res, err := b.Classify(context.Background(), Document{Filename: d.ID, Text: d.Text}, ts)
				if err != nil {
					t.Fatal(err)
				}
				pred[i], top[i], assigned[i] = res.Matches[0].TopicID, res.Matches[0].Score, res.Matches[0].Assigned
				if os.Getenv("DEV_SHOW") != "" && adapt {
					mark := " "
					if pred[i] != d.Label {
						mark = "X"
					}
					t.Logf("%s %-28.28s %-10s words %7d → %s %.2f, %s %.2f", mark, d.ID, d.Label, len(strings.Fields(d.Text)),
						res.Matches[0].TopicID, res.Matches[0].Score, res.Matches[1].TopicID, res.Matches[1].Score)
					if os.Getenv("DEV_SHOW") == "2" {
						v := b.idf.vector(countTerms(d.ID+"\n"+withoutLicences(d.Text), b.short))
						raw := b.raw(v)
						for _, k := range []string{res.Matches[0].TopicID, res.Matches[1].TopicID, d.Label} {
							type c struct {
								t string
								w float64
							}
							var cs []c
							for term, x := range v {
								for _, p := range b.index[term] {
									if b.topics[p.topic].ID == k {
										cs = append(cs, c{term, x * p.w})
									}
								}
							}
							sort.Slice(cs, func(i, j int) bool { return cs[i].w > cs[j].w })
							if len(cs) > 8 {
								cs = cs[:8]
							}
							t.Logf("      %-10s raw %.3f %v", k, raw[b.at[k]], cs)
						}
					}
				}
			}
			name := "builtin"
			if !adapt {
				name = "builtin-noadapt"
			}
			if lexw >= 0 {
				name += fmt.Sprintf(" λ=%.2f", lexw)
			}
			report(name, pred, top, assigned, time.Since(t0))
		}
	}
	// The lexical floor: tf-idf over the documents and the topic texts.
	var f idf
	f.df = map[string]int{}
	cs := make([]map[string]int, len(docs))
	for i, d := range docs {
		cs[i] = counts(d.Text)
		for w := range cs[i] {
			f.df[w]++
		}
	}
	tcs := make([]map[string]int, len(ts))
	for k, tp := range ts {
		tcs[k] = counts(tp.Name + "\n" + tp.Description)
		for w := range tcs[k] {
			f.df[w]++
		}
	}
	f.n = len(docs) + len(ts)
	tv := make([]vector, len(ts))
	for k := range ts {
		tv[k] = f.vector(tcs[k])
	}
	pred := make([]string, len(docs))
	for i := range docs {
		v := f.vector(cs[i])
		best, bs := -1, -1.0
		for k := range ts {
			if s := v.dot(tv[k]); s > bs {
				best, bs = k, s
			}
		}
		pred[i] = ts[best].ID
	}
	report("lexical", pred, make([]float64, len(docs)), make([]bool, len(docs)), 0)
}

// devMacroF1 is the macro-F1 of pred against gold over gold's labels.
func devMacroF1(gold, pred []string) float64 {
	labels := map[string]bool{}
	for _, g := range gold {
		labels[g] = true
	}
	var sum float64
	for l := range labels {
		var tp, fp, fn float64
		for i := range gold {
			switch {
			case pred[i] == l && gold[i] == l:
				tp++
			case pred[i] == l:
				fp++
			case gold[i] == l:
				fn++
			}
		}
		if tp > 0 {
			p, r := tp/(tp+fp), tp/(tp+fn)
			sum += 2 * p * r / (p + r)
		}
	}
	return sum / float64(len(labels))
}

// TestDevCalibDump writes, for every dev document, the features calibrate
// reads (the best topic's cosine and its lead over the next) with whether
// that topic is right, and the same with the document's own topic left out
// (a document about none of the topics), to DEV_CALIB_OUT: the data the
// score curve is fitted on (scripts: see docs/benchmarks.md).
func TestDevCalibDump(t *testing.T) {
	dir, out := os.Getenv("DOCUVAULT_CLASSIFY_DEV"), os.Getenv("DEV_CALIB_OUT")
	if dir == "" || out == "" {
		t.Skip("DOCUVAULT_CLASSIFY_DEV or DEV_CALIB_OUT is not set")
	}
	topics, docs := devLoad(t, dir)
	if v := os.Getenv("DEV_MAX"); v != "" {
		var n int
		fmt.Sscan(v, &n)
		if n < len(docs) {
			sort.Slice(docs, func(i, j int) bool { return devHash("max:"+docs[i].ID) < devHash("max:"+docs[j].ID) })
			docs = docs[:n]
		}
	}
	var ts []Topic
	for _, tp := range topics {
		ts = append(ts, Topic{ID: tp.Label, Name: tp.Name, Description: tp.Description})
	}
	var bg []string
	if os.Getenv("DEV_NOBG") == "" {
		for _, d := range docs {
			bg = append(bg, d.Text)
		}
	}
	b, err := Train(context.Background(), TrainInput{Topics: ts, Background: bg}, Options{SelfTrain: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	feat := func(raw []float64, skip int) (int, float64, float64) {
		best, second := -1, 0.0
		for k, r := range raw {
			if k == skip {
				continue
			}
			if best < 0 || r > raw[best] {
				if best >= 0 {
					second = math.Max(second, raw[best])
				}
				best = k
			} else if r > second {
				second = r
			}
		}
		r := raw[best]
		lead := 0.0
		if r > 0 {
			lead = math.Max(-1, (r-second)/r)
		}
		return best, r, lead
	}
	for _, d := range docs {
		c := countTerms(d.ID+"\n"+withoutLicences(d.Text), b.short)
		v, lex := b.vectors(c)
		raw := b.blend(b.raw(v), lex)
		best, r, lead := feat(raw, -1)
		own := b.at[d.Label]
		fmt.Fprintf(f, "%d\t%d\t%.5f\t%.5f\t%d\t%t\n", 0, b2i(best == own), r, lead, len(c), b.learned)
		_, r, lead = feat(raw, own)
		fmt.Fprintf(f, "%d\t%d\t%.5f\t%.5f\t%d\t%t\n", 1, 0, r, lead, len(c), b.learned)
	}
}

func b2i(x bool) int {
	if x {
		return 1
	}
	return 0
}

// TestDevFiles classifies files as the worker does a new owner's: each
// file's name (less its extension) and text, with the files before it in
// the list as the owner's documents read so far (DEV_FILES_BG=before, the
// default; =none: each alone, as the owner's first document; =all: every
// other file), zero-shot with the topics of DOCUVAULT_CLASSIFY_DEV's
// topics.json. DEV_FILES is a file of JSON lines with "path" and "text", as
// `docuvault extract --json` prints them. It prints each file's best three
// topics; DEV_SHOW=2 also its cosines with every topic (raw, then the
// lexical view) and the words behind its best three. Issue 19's
// acceptance documents:
//
//	docuvault extract --json --ocr never debian-faq.pdf fhs-3.0.pdf libtasn1.pdf debian-faq.docx R-FAQ.html >five.jsonl
//	DEV_FILES=five.jsonl DOCUVAULT_CLASSIFY_DEV=$PWD/.dev/classify-corpus-long go test -tags classifydev ./pkg/classify/ -run DevFiles -v
func TestDevFiles(t *testing.T) {
	dir, path := os.Getenv("DOCUVAULT_CLASSIFY_DEV"), os.Getenv("DEV_FILES")
	if dir == "" || path == "" {
		t.Skip("DOCUVAULT_CLASSIFY_DEV or DEV_FILES is not set")
	}
	topics, _ := devLoad(t, dir)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type file struct{ Name, Text string }
	var files []file
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var f struct{ Path, Text string }
		if err := json.Unmarshal(line, &f); err != nil {
			t.Fatal(err)
		}
		files = append(files, file{filepath.Base(f.Path), f.Text})
	}
	var ts []Topic
	for _, tp := range topics {
		ts = append(ts, Topic{ID: tp.Label, Name: tp.Name, Description: tp.Description})
	}
	mode := os.Getenv("DEV_FILES_BG")
	for i, f := range files {
		var bg []string
		for j, g := range files {
			if mode == "all" && j != i || (mode == "" || mode == "before") && j < i {
				bg = append(bg, FilenameWords(g.Name)+"\n"+g.Text)
			}
		}
		b, err := Train(context.Background(), TrainInput{Topics: ts, Background: bg}, Options{SelfTrain: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.Classify(context.Background(), Document{Filename: f.Name, Text: f.Text}, ts)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%-20s background %d:", f.Name, len(bg))
		for _, m := range res.Matches[:min(3, len(res.Matches))] {
			line += fmt.Sprintf(" %s %.2f", m.TopicID, m.Score)
		}
		t.Log(line)
		if os.Getenv("DEV_SHOW") != "2" {
			continue
		}
		c := countTerms(FilenameWords(f.Name)+"\n"+withoutLicences(f.Text), b.short)
		v, lex := b.vectors(c)
		cos := b.raw(v)
		var rs, ls []string
		for k := range ts {
			rs = append(rs, fmt.Sprintf("%s %.3f", ts[k].ID, cos[k]))
			ls = append(ls, fmt.Sprintf("%s %.3f", ts[k].ID, lex.cos[k]))
		}
		t.Logf("    %d distinct words, λ %.2f; raw: %s", len(c), b.lexical*lex.w, strings.Join(rs, ", "))
		t.Logf("    lexical view: %s", strings.Join(ls, ", "))
		for _, m := range res.Matches[:min(3, len(res.Matches))] {
			k := b.at[m.TopicID]
			type tw struct {
				t    string
				w, d float64
			}
			var cs []tw
			for term, x := range v {
				for _, p := range b.index[term] {
					if p.topic == k {
						cs = append(cs, tw{term, x * p.w, x})
					}
				}
			}
			sort.Slice(cs, func(i, j int) bool { return cs[i].w > cs[j].w })
			line := fmt.Sprintf("    %-12s raw %.3f:", m.TopicID, cos[k])
			for _, x := range cs[:min(8, len(cs))] {
				line += fmt.Sprintf(" %s=%.3f (×%d, %.3f in the document)", x.t, x.w, c[x.t], x.d)
			}
			t.Log(line)
		}
	}
}
