package models

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

var (
	slugPattern = regexp.MustCompile(slugRule)
	doiPattern  = regexp.MustCompile(`^10\.\d{4,9}/\S+$`)
)

// ValidSlug reports whether s is a well-formed id or slug: lower-case words joined by hyphens.
func ValidSlug(s string) bool { return len(s) <= 100 && slugPattern.MatchString(s) }

// Summary length bounds, in words, that curators write to.
const (
	MinSummaryWords = 60
	MaxSummaryWords = 150
)

// Records is what checking one record needs to know of the rest of the evidence base:
// which tags and ids exist, and which study already holds a DOI.
type Records interface {
	HasTheme(slug string) bool
	HasStrand(slug string) bool
	HasDisadvantage(slug string) bool
	HasStudy(id string) bool
	HasIntervention(id string) bool
	DOIOwner(doi string) (id string, ok bool) // the study that holds doi (case-insensitive)
}

// Validate checks a whole dataset and returns every problem it finds, each naming the
// record and the field, so a curator can fix a file in one pass. Nil means valid.
func (d *Dataset) Validate() []FieldError {
	v := &validator{}
	if !slices.Contains(DatasetFormatVersions, d.FormatVersion) {
		v.add("format_version", fmt.Sprintf("must be one of %v", DatasetFormatVersions))
	}
	idx := &datasetRecords{
		themes: v.vocabulary("themes", len(d.Themes), func(i int) (string, string, string) {
			return d.Themes[i].Slug, d.Themes[i].Name, d.Themes[i].Description
		}),
		strands: v.vocabulary("strands", len(d.Strands), func(i int) (string, string, string) {
			return d.Strands[i].Slug, d.Strands[i].Name, d.Strands[i].Description
		}),
		disadvantages: v.vocabulary("disadvantages", len(d.Disadvantages), func(i int) (string, string, string) {
			return d.Disadvantages[i].Slug, d.Disadvantages[i].Name, d.Disadvantages[i].Description
		}),
		studies: map[string]bool{}, interventions: map[string]bool{}, dois: map[string]string{},
	}
	for _, s := range d.Studies {
		idx.studies[s.ID] = true
		if s.DOI != nil {
			if _, taken := idx.dois[strings.ToLower(*s.DOI)]; !taken {
				idx.dois[strings.ToLower(*s.DOI)] = s.ID
			}
		}
	}
	for _, iv := range d.Interventions {
		idx.interventions[iv.ID] = true
	}
	seenID := map[string]bool{}
	seenSummary := map[string]string{}
	for i, s := range d.Studies {
		rec := fmt.Sprintf("studies[%d] (%s)", i, s.ID)
		v.unique(rec, s.ID, seenID)
		v.errs = append(v.errs, s.Check(rec, idx)...)
		v.uniqueSummary(rec+".summary", s.Summary, s.ID, seenSummary)
	}
	clear(seenID)
	for i, iv := range d.Interventions {
		rec := fmt.Sprintf("interventions[%d] (%s)", i, iv.ID)
		v.unique(rec, iv.ID, seenID)
		v.errs = append(v.errs, iv.Check(rec, idx)...)
		v.uniqueSummary(rec+".summary", iv.Summary, iv.ID, seenSummary)
	}
	return v.errs
}

// datasetRecords answers Records from a dataset document.
type datasetRecords struct {
	themes, strands, disadvantages, studies, interventions map[string]bool
	dois                                                   map[string]string
}

func (r *datasetRecords) HasTheme(slug string) bool        { return r.themes[slug] }
func (r *datasetRecords) HasStrand(slug string) bool       { return r.strands[slug] }
func (r *datasetRecords) HasDisadvantage(slug string) bool { return r.disadvantages[slug] }
func (r *datasetRecords) HasStudy(id string) bool          { return r.studies[id] }
func (r *datasetRecords) HasIntervention(id string) bool   { return r.interventions[id] }
func (r *datasetRecords) DOIOwner(doi string) (string, bool) {
	id, ok := r.dois[strings.ToLower(doi)]
	return id, ok
}

// Check validates one study against the rest of the evidence base. rec prefixes every
// field name ("studies[3] (smith-2010)" in a dataset; "" for a record on its own).
func (s *Study) Check(rec string, others Records) []FieldError {
	v := &validator{}
	v.id(join(rec, "id"), s.ID)
	v.nonEmpty(join(rec, "title"), s.Title)
	if len(s.Authors) == 0 {
		v.add(join(rec, "authors"), "must name at least one author")
	}
	for j, a := range s.Authors {
		v.nonEmpty(fmt.Sprintf("%s[%d]", join(rec, "authors"), j), a)
	}
	if s.Year < FirstYear || s.Year > LastYear {
		v.add(join(rec, "year"), fmt.Sprintf("%d is outside the review window %d–%d", s.Year, FirstYear, LastYear))
	}
	v.oneOf(join(rec, "type"), &s.Type, PublicationTypes)
	v.oneOf(join(rec, "design"), s.Design, Designs)
	v.oneOf(join(rec, "stage"), s.Stage, Stages)
	v.oneOf(join(rec, "country"), s.Country, Countries)
	if s.DOI != nil {
		if !doiPattern.MatchString(*s.DOI) {
			v.add(join(rec, "doi"), fmt.Sprintf("%q is not a DOI (10.NNNN/suffix)", *s.DOI))
		} else if other, taken := others.DOIOwner(*s.DOI); taken && other != s.ID {
			v.add(join(rec, "doi"), fmt.Sprintf("%s is also the DOI of %s", *s.DOI, other))
		}
	}
	v.optionalURL(join(rec, "url"), s.URL)
	if s.SampleSize != nil && *s.SampleSize <= 0 {
		v.add(join(rec, "sample_size"), "must be positive")
	}
	if (s.EffectSize == nil) != (s.EffectSizeMeasure == nil) {
		v.add(join(rec, "effect_size_measure"), "effect_size and effect_size_measure go together")
	}
	v.summary(join(rec, "summary"), s.Summary)
	for j, f := range s.KeyFindings {
		v.nonEmpty(fmt.Sprintf("%s[%d]", join(rec, "key_findings"), j), f)
	}
	if len(s.Themes) == 0 {
		v.add(join(rec, "themes"), "must have at least one theme")
	}
	v.tags(join(rec, "themes"), s.Themes, others.HasTheme)
	v.tags(join(rec, "strands"), s.Strands, others.HasStrand)
	v.tags(join(rec, "disadvantage_focus"), s.DisadvantageFocus, others.HasDisadvantage)
	v.links(join(rec, "interventions"), s.Interventions, others.HasIntervention, "intervention")
	v.sources(join(rec, "verified_in"), s.VerifiedIn)
	return v.errs
}

// Check validates one intervention against the rest of the evidence base; rec as for
// Study.Check.
func (iv *Intervention) Check(rec string, others Records) []FieldError {
	v := &validator{}
	v.id(join(rec, "id"), iv.ID)
	v.nonEmpty(join(rec, "name"), iv.Name)
	v.summary(join(rec, "summary"), iv.Summary)
	v.oneOf(join(rec, "stage"), iv.Stage, Stages)
	v.oneOf(join(rec, "setting"), iv.Setting, Settings)
	v.oneOf(join(rec, "country_of_origin"), iv.CountryOfOrigin, Countries)
	if len(iv.Themes) == 0 {
		v.add(join(rec, "themes"), "must have at least one theme")
	}
	v.tags(join(rec, "themes"), iv.Themes, others.HasTheme)
	v.tags(join(rec, "strands"), iv.Strands, others.HasStrand)
	v.tags(join(rec, "disadvantage_focus"), iv.DisadvantageFocus, others.HasDisadvantage)
	for j, e := range iv.Evidence {
		field := fmt.Sprintf("%s[%d]", join(rec, "evidence"), j)
		v.nonEmpty(field+".finding", e.Finding)
		if e.StudyID != nil && !others.HasStudy(*e.StudyID) {
			v.add(field+".study_id", fmt.Sprintf("no study with id %q", *e.StudyID))
		}
		v.oneOf(field+".design", e.Design, Designs)
		if e.Design != nil && e.StudyID != nil {
			v.add(field+".design", "only for an item that links to no study: a linked study's design is the study's")
		}
		v.oneOf(field+".kind", &e.Kind, EvidenceKinds)
		switch {
		case e.Kind == "impact" && e.Result == nil:
			v.add(field+".result", "an impact item must state a result (not-reported when no fact states one)")
		case e.Kind != "impact" && e.Result != nil:
			v.add(field+".result", "only an impact item has a result")
		default:
			v.oneOf(field+".result", e.Result, EvidenceResults)
		}
		if e.ResultFact != nil {
			if e.Result == nil || *e.Result == "not-reported" {
				v.add(field+".result_fact", "goes only with a result other than not-reported")
			} else {
				v.nonEmpty(field+".result_fact", *e.ResultFact)
			}
		}
		v.oneOf(field+".window", &e.Window, EvidenceWindows)
	}
	v.optionalURL(join(rec, "url"), iv.URL)
	v.sources(join(rec, "verified_in"), iv.VerifiedIn)
	return v.errs
}

// join names a field of a record: "studies[3] (x).title", or "title" on its own.
func join(rec, field string) string {
	if rec == "" {
		return field
	}
	return rec + "." + field
}

type validator struct{ errs []FieldError }

func (v *validator) add(field, reason string) {
	v.errs = append(v.errs, FieldError{Field: field, Reason: reason})
}

func (v *validator) nonEmpty(field, s string) {
	if strings.TrimSpace(s) == "" {
		v.add(field, "must not be empty")
	}
}

func (v *validator) id(field, id string) {
	if !ValidSlug(id) {
		v.add(field, fmt.Sprintf("%q is not a slug (lower-case words joined by hyphens)", id))
	}
}

// unique reports an id a dataset uses twice.
func (v *validator) unique(rec, id string, seen map[string]bool) {
	if seen[id] && ValidSlug(id) {
		v.add(rec+".id", fmt.Sprintf("%q is used by another record", id))
	}
	seen[id] = true
}

// vocabulary checks a tag list's records and returns the set of its slugs.
func (v *validator) vocabulary(name string, n int, at func(int) (slug, label, description string)) map[string]bool {
	slugs := map[string]bool{}
	if n == 0 {
		v.add(name, "must not be empty")
	}
	for i := 0; i < n; i++ {
		slug, label, description := at(i)
		rec := fmt.Sprintf("%s[%d] (%s)", name, i, slug)
		if !ValidSlug(slug) {
			v.add(rec+".slug", fmt.Sprintf("%q is not a slug", slug))
		} else if slugs[slug] {
			v.add(rec+".slug", fmt.Sprintf("%q is used by another record", slug))
		}
		slugs[slug] = true
		v.nonEmpty(rec+".name", label)
		v.nonEmpty(rec+".description", description)
	}
	return slugs
}

func (v *validator) oneOf(field string, value *string, valid []string) {
	if value != nil && !Contains(valid, *value) {
		v.add(field, fmt.Sprintf("%q is not one of: %s", *value, strings.Join(valid, ", ")))
	}
}

func (v *validator) tags(field string, values []string, exists func(string) bool) {
	seen := map[string]bool{}
	for _, t := range values {
		if !exists(t) {
			v.add(field, fmt.Sprintf("%q is not in the vocabulary", t))
		}
		if seen[t] {
			v.add(field, fmt.Sprintf("%q is listed twice", t))
		}
		seen[t] = true
	}
}

func (v *validator) links(field string, ids []string, exists func(string) bool, kind string) {
	seen := map[string]bool{}
	for _, id := range ids {
		if !exists(id) {
			v.add(field, fmt.Sprintf("no %s with id %q", kind, id))
		}
		if seen[id] { // one link, once: the store keeps links as a set
			v.add(field, fmt.Sprintf("%q is listed twice", id))
		}
		seen[id] = true
	}
}

func (v *validator) summary(field, text string) {
	switch words := len(strings.Fields(text)); {
	case words == 0:
		v.add(field, "must not be empty")
	case words < MinSummaryWords || words > MaxSummaryWords:
		v.add(field, fmt.Sprintf("has %d words; write %d–%d", words, MinSummaryWords, MaxSummaryWords))
	}
}

// uniqueSummary reports a summary a dataset uses twice: a copy-paste slip. A single record's
// write is not held to it; an import and the validate command are.
func (v *validator) uniqueSummary(field, text, id string, seen map[string]string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	key := strings.ToLower(strings.Join(strings.Fields(text), " "))
	if other, dup := seen[key]; dup {
		v.add(field, "is the same as the summary of "+other)
	}
	seen[key] = id
}

func (v *validator) optionalURL(field string, u *string) {
	if u != nil && !validURL(*u) {
		v.add(field, fmt.Sprintf("%q is not an absolute http(s) URL", *u))
	}
}

func (v *validator) sources(field string, urls []string) {
	if len(urls) == 0 {
		v.add(field, "must list at least one source URL")
	}
	for j, u := range urls {
		if !validURL(u) {
			v.add(fmt.Sprintf("%s[%d]", field, j), fmt.Sprintf("%q is not an absolute http(s) URL", u))
		}
	}
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\n")
}
