package catalog_test

import (
	"math"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// These tests pin the ranking to BM25 itself. Each score is recomputed here, independently,
// from the textbook formula with the constants the engine documents (k1 = 1.2, b = 0.75, the
// Lucene IDF, field weights title 3 · authors 2 · summary 1 · findings 1 for studies and
// name 3 · aliases 2 · summary 1 · evidence 1 for interventions). Changing any of them in
// the engine changes a score and fails a test; the ordering tests say why each one matters.
//
// The corpora use words that the English stemmer leaves as they are, so a term's count is
// a plain word count.

const (
	refK1 = 1.2
	refB  = 0.75
)

var (
	studyWeights        = []float64{3, 2, 1, 1} // title, authors, summary, key findings
	interventionWeights = []float64{3, 2, 1, 1} // name, aliases, summary, evidence findings
)

// refScore is BM25 over weighted fields: a term's frequency and a document's length count
// each field's words times the field's weight.
func refScore(docs [][]string, weights []float64, doc int, terms ...string) float64 {
	length := func(d int) float64 {
		var n float64
		for f, text := range docs[d] {
			n += weights[f] * float64(len(strings.Fields(text)))
		}
		return n
	}
	var avg float64
	for d := range docs {
		avg += length(d)
	}
	avg /= float64(len(docs))
	var score float64
	for _, term := range terms {
		tf := func(d int) float64 {
			var n float64
			for f, text := range docs[d] {
				for _, w := range strings.Fields(text) {
					if w == term {
						n += weights[f]
					}
				}
			}
			return n
		}
		df := 0
		for d := range docs {
			if tf(d) > 0 {
				df++
			}
		}
		idf := math.Log(1 + (float64(len(docs))-float64(df)+0.5)/(float64(df)+0.5))
		f := tf(doc)
		norm := 1 - refB + refB*length(doc)/avg
		score += idf * f * (refK1 + 1) / (f + refK1*norm)
	}
	return score
}

// studyCorpus is a small fixed corpus: ids in order, and per study its title, author
// (one family name, written "Family, X." so it tokenises to two words), summary and finding.
type studyText struct{ id, title, author, summary, finding string }

func studyCatalog(texts []studyText) (*catalog.Catalog, [][]string) {
	d := &models.Dataset{}
	var docs [][]string
	for _, t := range texts {
		d.Studies = append(d.Studies, models.Study{
			ID: t.id, Title: t.title, Authors: []string{t.author}, Year: 2010, Type: "journal-article",
			Summary: t.summary, KeyFindings: []string{t.finding},
		})
		// the engine reads "Family, X." as the words "family x"
		author := strings.ToLower(strings.NewReplacer(",", "", ".", "").Replace(t.author))
		docs = append(docs, []string{strings.ToLower(t.title), author, strings.ToLower(t.summary), strings.ToLower(t.finding)})
	}
	return catalog.New(d, "ranking"), docs
}

var rankingCorpus = []studyText{
	{"a-title", "okapi alpha", "Beta, A.", "gamma delta", "delta"},
	{"b-summary", "alpha beta", "Gamma, B.", "okapi delta", "gamma"},
	{"c-twice", "alpha gamma", "Delta, C.", "okapi okapi", "beta"},
	{"d-long", "alpha beta gamma delta", "Beta, D.", "okapi gamma delta beta alpha gamma delta beta alpha gamma", "delta alpha beta"},
	{"e-none", "beta gamma", "Alpha, E.", "delta beta", "gamma alpha"},
	{"f-rare", "delta beta", "Gamma, F.", "lemur alpha", "beta"},
}

func search(t *testing.T, cat *catalog.Catalog, q string) (ids []string, scores map[string]float64) {
	t.Helper()
	p, err := cat.Studies(catalog.Query{Search: q, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	scores = map[string]float64{}
	for i, st := range p.Items {
		ids = append(ids, st.ID)
		scores[st.ID] = p.Matches[i].Score
	}
	return ids, scores
}

func index(texts []studyText, id string) int {
	for i, t := range texts {
		if t.id == id {
			return i
		}
	}
	return -1
}

func TestRankingScoresAreBM25(t *testing.T) {
	cat, docs := studyCatalog(rankingCorpus)
	for _, q := range []string{"okapi", "lemur", "okapi OR lemur", "okapi gamma", "gamma", "beta"} {
		_, scores := search(t, cat, q)
		if len(scores) == 0 {
			t.Fatalf("%q found nothing", q)
		}
		for id, got := range scores {
			want := refScore(docs, studyWeights, index(rankingCorpus, id), strings.Fields(strings.ReplaceAll(q, " OR ", " "))...)
			if math.Abs(got-want) > 1e-5*want {
				t.Errorf("q=%q: score of %s = %.6f; BM25 gives %.6f", q, id, got, want)
			}
		}
	}
}

func TestRankingOrder(t *testing.T) {
	cat, _ := studyCatalog(rankingCorpus)
	ids, scores := search(t, cat, "okapi")
	// A title match outranks a summary match: the title weighs three times as much.
	if scores["a-title"] <= scores["b-summary"] {
		t.Errorf("title match %.4f does not outrank summary match %.4f", scores["a-title"], scores["b-summary"])
	}
	// Twice in the summary outranks once in a summary of the same length: term frequency.
	if scores["c-twice"] <= scores["b-summary"] {
		t.Errorf("two occurrences %.4f do not outrank one %.4f", scores["c-twice"], scores["b-summary"])
	}
	// One occurrence in a long record ranks below one in a short one: length normalisation.
	if scores["d-long"] >= scores["b-summary"] {
		t.Errorf("long record %.4f is not below short record %.4f", scores["d-long"], scores["b-summary"])
	}
	if want := []string{"a-title", "c-twice", "b-summary", "d-long"}; strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("order = %v; want %v", ids, want)
	}
	// A rare word counts for more than a common one: "lemur" is in one record, "okapi" in four.
	_, both := search(t, cat, "okapi OR lemur")
	if both["f-rare"] <= both["b-summary"] {
		t.Errorf("rare-term match %.4f does not outrank common-term match %.4f", both["f-rare"], both["b-summary"])
	}
}

func TestInterventionRankingScoresAreBM25(t *testing.T) {
	texts := [][4]string{ // name, alias, summary, evidence finding
		{"okapi club", "alpha", "beta gamma", "delta"},
		{"alpha group", "okapi", "gamma delta", "beta"},
		{"beta circle", "gamma", "okapi delta", "alpha okapi"},
		{"gamma team", "delta", "alpha beta", "gamma"},
	}
	d := &models.Dataset{}
	var docs [][]string
	for i, x := range texts {
		d.Interventions = append(d.Interventions, models.Intervention{
			ID: string(rune('a'+i)) + "-programme", Name: x[0], Aliases: []string{x[1]}, Summary: x[2],
			Evidence: []models.Evidence{{Finding: x[3]}},
		})
		docs = append(docs, x[:])
	}
	cat := catalog.New(d, "ranking")
	p, err := cat.Interventions(catalog.Query{Search: "okapi", PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 3 {
		t.Fatalf("found %d interventions; want 3", len(p.Items))
	}
	for i, iv := range p.Items {
		doc := int(iv.ID[0] - 'a')
		if want, got := refScore(docs, interventionWeights, doc, "okapi"), p.Matches[i].Score; math.Abs(got-want) > 1e-5*want {
			t.Errorf("score of %s = %.6f; BM25 gives %.6f", iv.ID, got, want)
		}
	}
	if p.Items[0].ID != "a-programme" || p.Items[1].ID != "b-programme" {
		t.Errorf("order = %s, %s, …; want the name match, then the alias match", p.Items[0].ID, p.Items[1].ID)
	}
}
