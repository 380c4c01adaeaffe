package models

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	doiPattern  = regexp.MustCompile(`^10\.\d{4,9}/\S+$`)
)

// ValidSlug reports whether s is a well-formed id or slug: lower-case words joined by hyphens.
func ValidSlug(s string) bool { return len(s) <= 100 && slugPattern.MatchString(s) }

// Summary length bounds, in words, that curators write to.
const (
	MinSummaryWords = 60
	MaxSummaryWords = 150
)

// Validate checks a whole dataset and returns every problem it finds, each naming the
// record and the field, so a curator can fix a file in one pass. Nil means valid.
func (d *Dataset) Validate() []FieldError {
	v := &validator{}
	if d.FormatVersion != DatasetFormatVersion {
		v.add("format_version", fmt.Sprintf("must be %d", DatasetFormatVersion))
	}
	themes := v.vocabulary("themes", len(d.Themes), func(i int) (string, string, string) {
		return d.Themes[i].Slug, d.Themes[i].Name, d.Themes[i].Description
	})
	strands := v.vocabulary("strands", len(d.Strands), func(i int) (string, string, string) {
		return d.Strands[i].Slug, d.Strands[i].Name, d.Strands[i].Description
	})
	disadvantages := v.vocabulary("disadvantages", len(d.Disadvantages), func(i int) (string, string, string) {
		return d.Disadvantages[i].Slug, d.Disadvantages[i].Name, d.Disadvantages[i].Description
	})

	studyIDs := map[string]bool{}
	for _, s := range d.Studies {
		studyIDs[s.ID] = true
	}
	interventionIDs := map[string]bool{}
	for _, iv := range d.Interventions {
		interventionIDs[iv.ID] = true
	}

	seenStudy := map[string]bool{}
	seenDOI := map[string]string{}
	seenSummary := map[string]string{}
	for i, s := range d.Studies {
		rec := fmt.Sprintf("studies[%d] (%s)", i, s.ID)
		v.id(rec, s.ID, seenStudy)
		v.nonEmpty(rec+".title", s.Title)
		if len(s.Authors) == 0 {
			v.add(rec+".authors", "must name at least one author")
		}
		for j, a := range s.Authors {
			v.nonEmpty(fmt.Sprintf("%s.authors[%d]", rec, j), a)
		}
		if s.Year < FirstYear || s.Year > LastYear {
			v.add(rec+".year", fmt.Sprintf("%d is outside the review window %d–%d", s.Year, FirstYear, LastYear))
		}
		v.oneOf(rec+".type", &s.Type, PublicationTypes)
		v.oneOf(rec+".design", s.Design, Designs)
		v.oneOf(rec+".stage", s.Stage, Stages)
		v.oneOf(rec+".country", s.Country, Countries)
		if s.DOI != nil {
			if !doiPattern.MatchString(*s.DOI) {
				v.add(rec+".doi", fmt.Sprintf("%q is not a DOI (10.NNNN/suffix)", *s.DOI))
			} else if other, dup := seenDOI[strings.ToLower(*s.DOI)]; dup {
				v.add(rec+".doi", fmt.Sprintf("%s is also the DOI of %s", *s.DOI, other))
			}
			seenDOI[strings.ToLower(*s.DOI)] = s.ID
		}
		v.optionalURL(rec+".url", s.URL)
		if s.SampleSize != nil && *s.SampleSize <= 0 {
			v.add(rec+".sample_size", "must be positive")
		}
		if (s.EffectSize == nil) != (s.EffectSizeMeasure == nil) {
			v.add(rec+".effect_size_measure", "effect_size and effect_size_measure go together")
		}
		v.summary(rec+".summary", s.Summary, s.ID, seenSummary)
		for j, f := range s.KeyFindings {
			v.nonEmpty(fmt.Sprintf("%s.key_findings[%d]", rec, j), f)
		}
		if len(s.Themes) == 0 {
			v.add(rec+".themes", "must have at least one theme")
		}
		v.tags(rec+".themes", s.Themes, themes)
		v.tags(rec+".strands", s.Strands, strands)
		v.tags(rec+".disadvantage_focus", s.DisadvantageFocus, disadvantages)
		v.links(rec+".interventions", s.Interventions, interventionIDs, "intervention")
		v.sources(rec+".verified_in", s.VerifiedIn)
	}

	seenIntervention := map[string]bool{}
	for i, iv := range d.Interventions {
		rec := fmt.Sprintf("interventions[%d] (%s)", i, iv.ID)
		v.id(rec, iv.ID, seenIntervention)
		v.nonEmpty(rec+".name", iv.Name)
		v.summary(rec+".summary", iv.Summary, iv.ID, seenSummary)
		v.oneOf(rec+".stage", iv.Stage, Stages)
		v.oneOf(rec+".setting", iv.Setting, Settings)
		v.oneOf(rec+".country_of_origin", iv.CountryOfOrigin, Countries)
		if len(iv.Themes) == 0 {
			v.add(rec+".themes", "must have at least one theme")
		}
		v.tags(rec+".themes", iv.Themes, themes)
		v.tags(rec+".strands", iv.Strands, strands)
		v.tags(rec+".disadvantage_focus", iv.DisadvantageFocus, disadvantages)
		for j, e := range iv.Evidence {
			field := fmt.Sprintf("%s.evidence[%d]", rec, j)
			v.nonEmpty(field+".finding", e.Finding)
			if e.StudyID != nil && !studyIDs[*e.StudyID] {
				v.add(field+".study_id", fmt.Sprintf("no study with id %q", *e.StudyID))
			}
		}
		v.optionalURL(rec+".url", iv.URL)
		v.sources(rec+".verified_in", iv.VerifiedIn)
	}
	return v.errs
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

func (v *validator) id(rec, id string, seen map[string]bool) {
	switch {
	case !ValidSlug(id):
		v.add(rec+".id", fmt.Sprintf("%q is not a slug (lower-case words joined by hyphens)", id))
	case seen[id]:
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

func (v *validator) tags(field string, values []string, vocabulary map[string]bool) {
	seen := map[string]bool{}
	for _, t := range values {
		if !vocabulary[t] {
			v.add(field, fmt.Sprintf("%q is not in the vocabulary", t))
		}
		if seen[t] {
			v.add(field, fmt.Sprintf("%q is listed twice", t))
		}
		seen[t] = true
	}
}

func (v *validator) links(field string, ids []string, exists map[string]bool, kind string) {
	for _, id := range ids {
		if !exists[id] {
			v.add(field, fmt.Sprintf("no %s with id %q", kind, id))
		}
	}
}

func (v *validator) summary(field, text, id string, seen map[string]string) {
	words := len(strings.Fields(text))
	switch {
	case words == 0:
		v.add(field, "must not be empty")
		return
	case words < MinSummaryWords || words > MaxSummaryWords:
		v.add(field, fmt.Sprintf("has %d words; write %d–%d", words, MinSummaryWords, MaxSummaryWords))
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
