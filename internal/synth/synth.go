// Package synth generates deterministic synthetic evidence bases of any size, shaped like the
// curated one: its vocabularies, tag frequencies, field lengths and word distribution. It
// exists to measure the service at scales the real review will only reach in the future.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// Generate returns a dataset with n studies and about n/10 interventions, built from the
// vocabularies and word distribution of base. The same seed gives the same dataset.
func Generate(base *models.Dataset, n int, seed uint64) *models.Dataset {
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), base: base}
	g.learn()
	d := &models.Dataset{
		FormatVersion: models.DatasetFormatVersion,
		Themes:        base.Themes,
		Strands:       base.Strands,
		Disadvantages: base.Disadvantages,
	}
	nIv := max(1, n/10)
	d.Interventions = make([]models.Intervention, nIv)
	for i := range d.Interventions {
		d.Interventions[i] = g.intervention(i)
	}
	d.Studies = make([]models.Study, n)
	for i := range d.Studies {
		d.Studies[i] = g.study(i, nIv)
	}
	return d
}

type generator struct {
	rng  *rand.Rand
	base *models.Dataset
	// words of the curated texts, repeated as often as they occur there, so sampling
	// uniformly from the slice follows their real (Zipf-like) frequencies
	words   []string
	authors []string
	// tag values as often as the curated studies carry them
	themes, strands, disadvantages, designs, stages, countries, types []string
}

func (g *generator) learn() {
	for _, s := range g.base.Studies {
		g.words = append(g.words, strings.Fields(strings.ToLower(s.Summary))...)
		g.words = append(g.words, strings.Fields(s.Title)...)
		g.authors = append(g.authors, s.Authors...)
		g.themes = append(g.themes, s.Themes...)
		g.strands = append(g.strands, s.Strands...)
		g.disadvantages = append(g.disadvantages, s.DisadvantageFocus...)
		g.designs = append(g.designs, deref(s.Design))
		g.stages = append(g.stages, deref(s.Stage))
		g.countries = append(g.countries, deref(s.Country))
		g.types = append(g.types, s.Type)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (g *generator) pick(from []string) string { return from[g.rng.IntN(len(from))] }

func (g *generator) text(minWords, maxWords int) string {
	n := minWords + g.rng.IntN(maxWords-minWords+1)
	w := make([]string, n)
	for i := range w {
		w[i] = g.pick(g.words)
	}
	return strings.Join(w, " ")
}

// tags picks between 1 and maxN distinct values with the curated frequencies.
func (g *generator) tags(from []string, minN, maxN int) []string {
	out := []string{}
	for n := minN + g.rng.IntN(maxN-minN+1); len(out) < n; {
		v := g.pick(from)
		if !contains(out, v) {
			out = append(out, v)
		} else if g.rng.IntN(4) == 0 {
			break // the vocabulary may be smaller than n
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func (g *generator) study(i, nInterventions int) models.Study {
	s := models.Study{
		ID:                fmt.Sprintf("synthetic-study-%d", i),
		Title:             g.text(6, 18),
		Year:              models.FirstYear + g.rng.IntN(models.LastYear-models.FirstYear+1),
		Type:              g.pick(g.types),
		Venue:             optional(g.text(2, 5)),
		Country:           optional(g.pick(g.countries)),
		Design:            optional(g.pick(g.designs)),
		Stage:             optional(g.pick(g.stages)),
		Summary:           g.text(models.MinSummaryWords, models.MaxSummaryWords),
		Themes:            g.tags(g.themes, 1, 3),
		Strands:           g.tags(g.strands, 1, 2),
		DisadvantageFocus: g.tags(g.disadvantages, 0, 2),
		Interventions:     []string{},
		VerifiedIn:        []string{fmt.Sprintf("https://example.org/synthetic/%d", i)},
	}
	s.Authors = make([]string, 1+g.rng.IntN(5))
	for a := range s.Authors {
		s.Authors[a] = g.pick(g.authors)
	}
	s.KeyFindings = make([]string, 1+g.rng.IntN(4))
	for k := range s.KeyFindings {
		s.KeyFindings[k] = g.text(12, 30)
	}
	if g.rng.IntN(10) < 3 {
		doi := fmt.Sprintf("10.5555/synthetic.%d", i)
		s.DOI = &doi
		s.URL = optional("https://doi.org/" + doi)
	}
	if g.rng.IntN(10) < 2 {
		n := 20 + g.rng.IntN(20000)
		s.SampleSize = &n
	}
	if g.rng.IntN(20) < 1 {
		e := float64(g.rng.IntN(120)-20) / 100
		s.EffectSize = &e
		s.EffectSizeMeasure = optional("Cohen's d")
	}
	for k := g.rng.IntN(3); k > 0; k-- {
		id := fmt.Sprintf("synthetic-intervention-%d", g.rng.IntN(nInterventions))
		if !contains(s.Interventions, id) {
			s.Interventions = append(s.Interventions, id)
		}
	}
	return s
}

func (g *generator) intervention(i int) models.Intervention {
	src := g.base.Interventions[i%len(g.base.Interventions)]
	return models.Intervention{
		ID:                fmt.Sprintf("synthetic-intervention-%d", i),
		Name:              g.text(2, 6),
		Aliases:           []string{},
		Summary:           g.text(models.MinSummaryWords, models.MaxSummaryWords),
		Stage:             src.Stage,
		Setting:           src.Setting,
		Themes:            src.Themes,
		Strands:           src.Strands,
		DisadvantageFocus: src.DisadvantageFocus,
		Evidence:          []models.Evidence{g.evidence(src)},
		VerifiedIn:        []string{fmt.Sprintf("https://example.org/synthetic/intervention/%d", i)},
	}
}

// evidence is one synthetic evidence item typed like the source intervention's first
// (kind, result, window), with no result fact: synthetic text states no fact.
func (g *generator) evidence(src models.Intervention) models.Evidence {
	e := models.Evidence{Finding: g.text(12, 30), Kind: "description", Window: "in"}
	if len(src.Evidence) > 0 {
		e.Kind, e.Result, e.Window = src.Evidence[0].Kind, src.Evidence[0].Result, src.Evidence[0].Window
	}
	return e
}
