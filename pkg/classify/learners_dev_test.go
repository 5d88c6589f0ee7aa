//go:build classifydev

package classify

// Development experiments on how Builtin learns from filed examples (issue
// 19: on the German corpus 20 examples a topic did little better than 5).
// On the folds of TestDevEval (docs/benchmarks.md, "How the builtin learns
// from filed documents"):
//
//	DEV_K=1000 DOCUVAULT_CLASSIFY_DEV=… go test -tags classifydev ./pkg/classify/ -run 'DevBuiltinK$' -v
//	DOCUVAULT_CLASSIFY_DEV=… go test -tags classifydev ./pkg/classify/ -run 'DevSoftmax$' -v
//
// TestDevBuiltinK: Builtin (self-training on the held-out documents, as
// devRun) with DEV_K examples a topic (1000: every pool document), seed 0.
// TestDevSoftmax: a softmax regression on Builtin's own document vectors,
// trained on the examples alone (SGD, L2, from the names and
// descriptions), and its probability added β times to Builtin's score, for
// several β (β=1000: the regression alone). Not the model: it measures how
// much a discriminative learner would add.

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
)

func devEnvFloat(name string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return f
	}
	return def
}

func TestDevBuiltinK(t *testing.T) {
	dir := os.Getenv("DOCUVAULT_CLASSIFY_DEV")
	if dir == "" {
		t.Fatal("set DOCUVAULT_CLASSIFY_DEV to the corpus directory")
	}
	topics, docs := devLoad(t, dir)
	k := int(devEnvFloat("DEV_K", 1000))
	var acc, f1 float64
	for fold := 0; fold < 3; fold++ {
		held, pool := devSplit(docs, topics, fold)
		ex := map[string][]devDoc{}
		for _, tp := range topics {
			ex[tp.Label] = devSample(pool, tp.Label, k, fold, 0)
		}
		s := devRun(t, topics, held, ex, nil)
		acc += s.acc
		f1 += s.f1
	}
	fmt.Printf("BUILTIN k=%d acc %.4f f1 %.4f\n", k, acc/3, f1/3)
}

func TestDevSoftmax(t *testing.T) {
	dir := os.Getenv("DOCUVAULT_CLASSIFY_DEV")
	if dir == "" {
		t.Fatal("set DOCUVAULT_CLASSIFY_DEV to the corpus directory")
	}
	topics, docs := devLoad(t, dir)
	at := map[string]int{}
	for i, tp := range topics {
		at[tp.Label] = i
	}
	K := len(topics)
	epochs := int(devEnvFloat("SM_EPOCHS", 30))
	lr, l2 := devEnvFloat("SM_LR", 0.5), devEnvFloat("SM_L2", 1e-4)
	betas := []float64{0, 0.5, 1, 2, 1000}
	for _, k := range []int{5, 20, 50, 1000} {
		accs := make([]float64, len(betas))
		for fold := 0; fold < 3; fold++ {
			held, pool := devSplit(docs, topics, fold)
			var ts []Topic
			var exs []Example
			var exY []int
			for _, tp := range topics {
				ts = append(ts, Topic{ID: tp.Label, Name: tp.Name, Description: tp.Description})
				for _, d := range devSample(pool, tp.Label, k, fold, 0) {
					exs = append(exs, Example{Text: d.Text, TopicIDs: []string{tp.Label}})
					exY = append(exY, at[tp.Label])
				}
			}
			var bg []string
			for _, d := range held {
				bg = append(bg, d.Text)
			}
			plain, err := Train(t.Context(), TrainInput{Topics: ts, Examples: exs, Background: bg}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			self, err := Train(t.Context(), TrainInput{Topics: ts, Examples: exs, Background: bg}, Options{SelfTrain: true})
			if err != nil {
				t.Fatal(err)
			}
			X := make([]vector, len(exs))
			for i, e := range exs {
				X[i] = plain.idf.vector(countTerms(e.Text, plain.short))
			}
			W := make([]vector, K)
			bias := make([]float64, K)
			for c := range W {
				W[c] = vector{}
				W[c].add(plain.prior[c], 1)
			}
			prob := func(v vector, p []float64) {
				mx := math.Inf(-1)
				for c := range p {
					p[c] = bias[c] + v.dot(W[c])
					mx = math.Max(mx, p[c])
				}
				var z float64
				for c := range p {
					p[c] = math.Exp(p[c] - mx)
					z += p[c]
				}
				for c := range p {
					p[c] /= z
				}
			}
			p := make([]float64, K)
			order := make([]int, len(X))
			for i := range order {
				order[i] = i
			}
			for ep := 0; ep < epochs; ep++ {
				for i := range order { // a fixed shuffle per epoch
					j := int(devHash(fmt.Sprint("softmax", ep, i)) % uint64(len(order)))
					order[i], order[j] = order[j], order[i]
				}
				eta := lr / (1 + float64(ep)*0.1)
				for _, i := range order {
					prob(X[i], p)
					for c := 0; c < K; c++ {
						g := p[c]
						if c == exY[i] {
							g--
						}
						W[c].add(X[i], -eta*g)
						bias[c] -= eta * g * 0.1
					}
				}
				for c := range W {
					for w := range W[c] {
						W[c][w] *= 1 - eta*l2*float64(len(X))
					}
				}
			}
			gold := make([]string, len(held))
			preds := make([][]string, len(betas))
			for i, d := range held {
				gold[i] = d.Label
				prob(plain.idf.vector(countTerms(d.Text, plain.short)), p)
				res, err := self.Classify(t.Context(), Document{Text: d.Text}, ts)
				if err != nil {
					t.Fatal(err)
				}
				score := make([]float64, K)
				for _, m := range res.Matches {
					score[at[m.TopicID]] = m.Score
				}
				for bi, beta := range betas {
					best := 0
					for c := range p {
						s, sb := score[c]+beta*p[c], score[best]+beta*p[best]
						if beta >= 1000 {
							s, sb = p[c], p[best]
						}
						if s > sb {
							best = c
						}
					}
					preds[bi] = append(preds[bi], topics[best].Label)
				}
			}
			for bi := range betas {
				acc, _ := devAccF1(topics, gold, preds[bi])
				accs[bi] += acc / 3
			}
		}
		line := fmt.Sprintf("SOFTMAX k=%-4d top-1:", k)
		for bi, beta := range betas {
			line += fmt.Sprintf("  β=%g %.4f", beta, accs[bi])
		}
		fmt.Println(line)
	}
}
