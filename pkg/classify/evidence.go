package classify

import "sort"

// How much evidence Builtin gives a topic.
const (
	// evidenceWords is how many words at most explain a score.
	evidenceWords = 3
	// evidenceShare drops words that weigh less than this share of the
	// topic's heaviest one: they did not decide anything.
	evidenceShare = 0.1
)

// explain sets the Evidence of the matches a person may look at — every
// assigned one and the CandidateCount best — to the words of the document
// that weigh most for the topic: a word's weight is its part of the
// document's cosine with the topic's prototype (the document's weight for
// the word times the prototype's, over b.index), so the words shown are the
// ones that decided the score. Words are stems inside the model; each is
// shown as the document's own most frequent word with that stem
// ("invoices", not "invoic"). ms is sorted best first; v is the document's
// vector as Classify scored it.
func (b *Builtin) explain(ms []Match, doc Document, v vector) {
	want := map[int]int{} // topic index → its position in ms
	for i, m := range ms {
		if m.Score <= 0 || (i >= CandidateCount && !m.Assigned) {
			continue
		}
		if k, ok := b.at[m.TopicID]; ok {
			want[k] = i
		}
	}
	if len(want) == 0 {
		return
	}
	type part struct {
		term string
		w    float64
	}
	parts := map[int][]part{}
	for t, x := range v {
		for _, p := range b.index[t] {
			if _, ok := want[p.topic]; ok && x*p.w > 0 {
				parts[p.topic] = append(parts[p.topic], part{t, x * p.w})
			}
		}
	}
	top := map[int][]string{}
	stems := map[string]bool{}
	for k, ps := range parts {
		sort.Slice(ps, func(i, j int) bool { return ps[i].w > ps[j].w || ps[i].w == ps[j].w && ps[i].term < ps[j].term })
		for _, p := range ps {
			if len(top[k]) == evidenceWords || p.w < evidenceShare*ps[0].w {
				break
			}
			top[k] = append(top[k], p.term)
			stems[p.term] = true
		}
	}
	surface := surfaceWords(FilenameWords(doc.Filename)+"\n"+doc.Text, stems, b.short) // as Classify reads doc
	for k, ts := range top {
		ev := make([]string, len(ts))
		for i, t := range ts {
			ev[i] = surface[t]
		}
		ms[want[k]].Evidence = ev
	}
}

// surfaceChunk and surfaceEnough bound surfaceWords' reading: the text is
// read a chunk at a time until every stem has been met surfaceEnough times
// (a long document's evidence words are frequent ones, so a few chunks
// usually do: on a 256 KiB document evidence then costs about 5 % of
// Classify instead of 25 %, BenchmarkClassifyEvidence).
const (
	surfaceChunk  = 16 << 10
	surfaceEnough = 8
)

// surfaceWords maps each stem of stems to the word of text it comes from
// most often (the shorter, then the first alphabetically, of equals) among
// the first surfaceEnough or more, words as the model reads them (terms);
// a stem no word of text gives maps to itself.
func surfaceWords(text string, stems, short map[string]bool) map[string]string {
	if len(text) > maxTextBytes {
		text = text[:maxTextBytes]
	}
	seen := map[string]map[string]int{}
	met := map[string]int{}
	enough := 0 // stems met surfaceEnough times
	for len(text) > 0 && enough < len(stems) {
		// A chunk ends at an ASCII space, never inside a word or a rune.
		n := min(surfaceChunk, len(text))
		for n < len(text) && text[n] != ' ' && text[n] != '\n' {
			n++
		}
		for _, w := range terms(text[:n], short) { // as countTerms reads text
			s := stem(w)
			if !stems[s] {
				continue
			}
			if seen[s] == nil {
				seen[s] = map[string]int{}
			}
			seen[s][w]++
			if met[s]++; met[s] == surfaceEnough {
				enough++
			}
		}
		text = text[n:]
	}
	out := make(map[string]string, len(stems))
	for s := range stems {
		best, n := s, 0
		for w, c := range seen[s] {
			if c > n || c == n && (len(w) < len(best) || len(w) == len(best) && w < best) {
				best, n = w, c
			}
		}
		out[s] = best
	}
	return out
}
