package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// The edit pages of studies and interventions. A form is turned into the record's JSON
// document, field by field, and that document goes through the very steps the API's write
// takes (api/writes.go): httpio.DecodeRecord, the kind's Normalize, the id rule, and the
// store's write, whose plan runs the kind's Check, the ETag comparison, the link check and
// the audit entries. Nothing here judges a value: a year typed as "20x4" is sent as the
// string it is, and the API's own decoding says what is wrong with it.

// fieldKind is how a form shows a field, and how its text becomes JSON.
type fieldKind int

const (
	textField      fieldKind = iota // one line, a string
	optionalText                    // one line, null when empty
	longField                       // a text area, a string
	optionalLong                    // a text area, null when empty
	linesField                      // a text area, one list item a line
	intField                        // a whole number, typed as text
	optionalInt                     // the same, null when empty
	optionalNumber                  // a number, null when empty
	choiceField                     // one of a closed list
	optionalChoice                  // one of a closed list, or "Not stated" (null)
	tagsField                       // any of a list, as check boxes
	boolField                       // yes or no, as one check box
)

// fieldSpec is one field of a record's form.
type fieldSpec struct {
	Name       string // the JSON field, and the form's name for it
	Label      string
	Hint       string
	Kind       fieldKind
	CreateOnly bool                                // the id: typed when the record is made, fixed after
	Empty      string                              // what an optional choice's empty option says; "Not stated" when ""
	options    func(cat *catalog.Catalog) []option // choices and tags
}

// option is one value a choice or a tag field offers.
type option struct {
	Value, Label string
}

// editKind is a record kind as the edit pages handle it.
type editKind struct {
	name       string // models.KindStudy: as the store, errors and the audit log name it
	collection string // "studies": its pages' first path segment
	fields     []fieldSpec
	evidence   bool   // its records have evidence items (interventions)
	after      string // where a deleted record's curator goes: its list page
	// the catalogue's kind, seen through what the pages need of it
	detail func(cat *catalog.Catalog, id string) (doc json.RawMessage, etag, title string, err error)
	decode func(body []byte) (record any, id string, problems []models.FieldError, err error)
	check  func(cat *catalog.Catalog, record any) []models.FieldError
	links  func(cat *catalog.Catalog, id string) []catalog.Link
}

// path is a record's public page.
func (k *editKind) path(id string) string { return "/" + k.collection + "/" + url.PathEscape(id) }

// label words a field of this kind's records.
func (k *editKind) label(name string) string {
	for _, f := range k.fields {
		if f.Name == name {
			return f.Label
		}
	}
	for _, f := range evidenceFields {
		if f.Name == name {
			return f.Label
		}
	}
	if name == "evidence" {
		return "Evidence"
	}
	return capitalise(strings.ReplaceAll(name, "_", " "))
}

// names are the kind's fields in form order, for diffs.
func (k *editKind) names() []string {
	out := make([]string, 0, len(k.fields)+1)
	for _, f := range k.fields {
		out = append(out, f.Name)
	}
	if k.evidence {
		out = append(out, "evidence")
	}
	return out
}

// newEditKind makes the pages' view of a record kind of the catalogue.
func newEditKind[T any, D catalog.Detail[T]](k *catalog.RecordKind[T, D], fields []fieldSpec, evidence bool, after string,
	title func(*T) string) *editKind {
	return &editKind{
		name: k.Name, collection: k.Collection, fields: fields, evidence: evidence, after: after,
		detail: func(cat *catalog.Catalog, id string) (json.RawMessage, string, string, error) {
			d, err := k.Detail(cat, id)
			if err != nil {
				return nil, "", "", err
			}
			doc, err := json.Marshal(d.Record())
			return doc, d.ETag(), title(d.Record()), err
		},
		// as the API's write decodes a body (api/writes.go): every field, then Normalize
		decode: func(body []byte) (any, string, []models.FieldError, error) {
			r := new(T)
			problems, err := httpio.DecodeRecord(body, r)
			k.Normalize(r)
			return r, k.ID(r), problems, err
		},
		check: func(cat *catalog.Catalog, r any) []models.FieldError { return k.Check(cat, r.(*T)) },
		links: k.LinksTo,
	}
}

// choices lists a closed vocabulary with its glossary labels.
func choices(field string, values []string) func(*catalog.Catalog) []option {
	return func(*catalog.Catalog) []option {
		out := make([]option, len(values))
		for i, v := range values {
			out[i] = option{Value: v, Label: label(field, v)}
		}
		return out
	}
}

func themeOptions(cat *catalog.Catalog) []option {
	var out []option
	for _, t := range cat.Themes() {
		out = append(out, option{t.Theme.Slug, t.Theme.Name})
	}
	return out
}

func strandOptions(cat *catalog.Catalog) []option {
	var out []option
	for _, t := range cat.Strands() {
		out = append(out, option{t.Slug, t.Name})
	}
	return out
}

func disadvantageOptions(cat *catalog.Catalog) []option {
	var out []option
	for _, t := range cat.Disadvantages() {
		out = append(out, option{t.Slug, t.Name})
	}
	return out
}

func interventionOptions(cat *catalog.Catalog) []option {
	var out []option
	if all, _, err := cat.InterventionsAll(catalog.Query{}); err == nil {
		for iv := range all {
			out = append(out, option{iv.ID, iv.Name})
		}
	}
	return out
}

// maxStudyOptions is how many studies the evidence items' study field suggests at most;
// past it the field takes an id typed without suggestions.
const maxStudyOptions = 2000

func studyOptions(cat *catalog.Catalog) []option {
	if n, _ := cat.Size(); n > maxStudyOptions {
		return nil
	}
	var out []option
	if all, _, err := cat.StudiesAll(catalog.Query{Sort: "id"}); err == nil {
		for st := range all {
			out = append(out, option{st.ID, shortCite(st) + ": " + st.Title})
		}
	}
	return out
}

const idHint = "Lower-case words and numbers joined by hyphens, such as smith-2012. It is part of the record's address and cannot be changed later."

var studyFormFields = []fieldSpec{
	{Name: "id", Label: "Id", Hint: idHint, Kind: textField, CreateOnly: true},
	{Name: "title", Label: "Title", Kind: textField},
	{Name: "authors", Label: "Authors", Hint: "One author a line, as the publication writes them (Family, I. I.), or an organisation.", Kind: linesField},
	{Name: "year", Label: "Year published", Hint: "2008 to 2014, the review's window.", Kind: intField},
	{Name: "type", Label: "Type of publication", Kind: choiceField, options: choices("type", models.PublicationTypes)},
	{Name: "venue", Label: "Venue", Hint: "The journal with its volume, issue and pages, or the publisher. Leave empty if not stated.", Kind: optionalText},
	{Name: "doi", Label: "DOI", Hint: "Such as 10.1000/182, without https://doi.org/. Leave empty if it has none.", Kind: optionalText},
	{Name: "url", Label: "Web address", Hint: "The full text or the publisher's page (https://…). Leave empty if none.", Kind: optionalText},
	{Name: "country", Label: "Country", Kind: optionalChoice, options: choices("country", models.Countries)},
	{Name: "design", Label: "Study design", Kind: optionalChoice, options: choices("design", models.Designs)},
	{Name: "stage", Label: "School stage", Kind: optionalChoice, options: choices("stage", models.Stages)},
	{Name: "sample_size", Label: "Sample size", Hint: "A whole number. Leave empty if not stated.", Kind: optionalInt},
	{Name: "effect_size", Label: "Effect size", Hint: "A number, such as 0.32. Leave empty if not stated.", Kind: optionalNumber},
	{Name: "effect_size_measure", Label: "Effect size measure", Hint: "Such as Cohen's d; stated exactly when the effect size is.", Kind: optionalText},
	{Name: "summary", Label: "Summary", Hint: "60 to 150 words, in our own words.", Kind: longField},
	{Name: "key_findings", Label: "Key findings", Hint: "One finding a line.", Kind: linesField},
	{Name: "themes", Label: "Themes", Hint: "At least one.", Kind: tagsField, options: themeOptions},
	{Name: "strands", Label: "Strands of activity", Kind: tagsField, options: strandOptions},
	{Name: "disadvantage_focus", Label: "Families studied (disadvantage focus)", Kind: tagsField, options: disadvantageOptions},
	{Name: "interventions", Label: "Interventions it evaluates", Kind: tagsField, options: interventionOptions},
	{Name: "verified_in", Label: "Sources", Hint: "The web addresses the bibliographic facts were checked against, one a line.", Kind: linesField},
}

var interventionFormFields = []fieldSpec{
	{Name: "id", Label: "Id", Hint: idHint, Kind: textField, CreateOnly: true},
	{Name: "name", Label: "Name", Kind: textField},
	{Name: "aliases", Label: "Other names", Hint: "One a line.", Kind: linesField},
	{Name: "origin", Label: "Origin", Hint: "Who developed it, where. Leave empty if not stated.", Kind: optionalText},
	{Name: "country_of_origin", Label: "Country of origin", Kind: optionalChoice, options: choices("country", models.Countries)},
	{Name: "summary", Label: "Summary", Hint: "60 to 150 words, in our own words.", Kind: longField},
	{Name: "stage", Label: "School stage", Kind: optionalChoice, options: choices("stage", models.Stages)},
	{Name: "setting", Label: "Where it happens", Kind: optionalChoice, options: choices("setting", models.Settings)},
	{Name: "themes", Label: "Themes", Hint: "At least one.", Kind: tagsField, options: themeOptions},
	{Name: "strands", Label: "Strands of activity", Kind: tagsField, options: strandOptions},
	{Name: "disadvantage_focus", Label: "Families it is aimed at (disadvantage focus)", Kind: tagsField, options: disadvantageOptions},
	{Name: "url", Label: "Web address", Hint: "The programme's own page (https://…). Leave empty if none.", Kind: optionalText},
	{Name: "verified_in", Label: "Sources", Hint: "The web addresses the facts were checked against, one a line.", Kind: linesField},
}

// zeroTime is no bound, for the audit log's date filters.
var zeroTime time.Time

// evidenceFields are the fields of one evidence item of an intervention.
var evidenceFields = []fieldSpec{
	{Name: "finding", Label: "Finding", Hint: "In our own words.", Kind: longField},
	{Name: "kind", Label: "Kind of evidence", Kind: choiceField, options: choices("kind", models.EvidenceKinds)},
	{Name: "result", Label: "Result", Hint: "Impact items only: not reported unless a reference fact states the direction.", Kind: optionalChoice, options: choices("result", models.EvidenceResults),
		Empty: "None (not an impact item)"},
	{Name: "result_fact", Label: "Reference fact", Hint: "The fact the result comes from, quoted exactly; only with a result other than not reported.", Kind: optionalLong},
	{Name: "window", Label: "Published", Kind: choiceField, options: choices("window", models.EvidenceWindows)},
	{Name: "study_id", Label: "Study in the review", Hint: "The id of the study it reports, such as lindsay-2011. Leave empty if it is not in the review.", Kind: optionalText},
	{Name: "design", Label: "Design of the evaluation", Hint: "Only for an item with no study in the review, and only as the reference names it.", Kind: optionalChoice, options: choices("design", models.Designs)},
}

// editKinds are the record kinds the pages edit.
var editKinds = []*editKind{
	newEditKind(catalog.StudyKind, studyFormFields, false, "/studies", func(s *models.Study) string { return s.Title }),
	newEditKind(catalog.InterventionKind, interventionFormFields, true, "/", func(iv *models.Intervention) string { return iv.Name }),
}

// Form names of evidence items: evidence-<i>-<field>, and how many the form holds.
const (
	evidenceCount = "evidence-count"
	maxEvidence   = 500
)

func evidenceName(i int, field string) string { return "evidence-" + strconv.Itoa(i) + "-" + field }

// numberText is a JSON number as a curator may type it; anything else typed in a number
// field is sent as the string it is, and the API's decoding refuses it.
var numberText = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// formText is a form value as a record holds it: surrounding space trimmed, line ends
// made \n.
func formText(v string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n"))
}

// jsonOf turns what a form holds for one field into its JSON value.
func jsonOf(f fieldSpec, form url.Values, name string) any {
	v := formText(form.Get(name))
	switch f.Kind {
	case textField, longField, choiceField:
		return v
	case optionalText, optionalLong, optionalChoice:
		if v == "" {
			return nil
		}
		return v
	case linesField:
		out := []string{}
		for line := range strings.SplitSeq(v, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
		return out
	case intField, optionalInt, optionalNumber:
		switch {
		case v == "" && f.Kind != intField:
			return nil
		case numberText.MatchString(v):
			return json.RawMessage(v)
		}
		return v // not a number: the decoding says so
	case boolField:
		return v == "true"
	case tagsField:
		out := []string{}
		for _, t := range form[name] {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		return out
	}
	return v
}

// document turns a posted form into the record's JSON document, with id as its id.
// items maps each evidence item of the document to the form's item it came from: items
// the curator removed, and new items left blank, are not in it.
func (k *editKind) document(form url.Values, id string) (doc map[string]any, items []int) {
	doc = map[string]any{}
	for _, f := range k.fields {
		doc[f.Name] = jsonOf(f, form, f.Name)
	}
	doc["id"] = id
	if !k.evidence {
		return doc, nil
	}
	evidence := []map[string]any{}
	n, _ := strconv.Atoi(form.Get(evidenceCount))
	for i := range min(max(n, 0), maxEvidence) {
		if form.Get(evidenceName(i, "remove")) != "" {
			continue
		}
		item, blank := map[string]any{}, true
		for _, f := range evidenceFields {
			item[f.Name] = jsonOf(f, form, evidenceName(i, f.Name))
			if formText(form.Get(evidenceName(i, f.Name))) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		evidence = append(evidence, item)
		items = append(items, i)
	}
	doc["evidence"] = evidence
	return doc, items
}

// formOf is the form that shows a record's JSON document (its fields that are not the
// form's are left out).
func (k *editKind) formOf(doc json.RawMessage) url.Values {
	m := object(doc)
	form := url.Values{}
	put := func(f fieldSpec, name string, raw json.RawMessage) {
		var v any
		_ = json.Unmarshal(orNull(raw), &v)
		switch x := v.(type) {
		case nil:
		case string:
			form.Set(name, x)
		case float64:
			form.Set(name, string(raw))
		case bool:
			if x {
				form.Set(name, "true")
			}
		case []any:
			var parts []string
			for _, e := range x {
				parts = append(parts, display(e))
			}
			if f.Kind == tagsField {
				form[name] = parts
			} else {
				form.Set(name, strings.Join(parts, "\n"))
			}
		default:
			form.Set(name, display(x))
		}
	}
	for _, f := range k.fields {
		put(f, f.Name, m[f.Name])
	}
	if k.evidence {
		var items []map[string]json.RawMessage
		_ = json.Unmarshal(orNull(m["evidence"]), &items)
		for i, item := range items {
			for _, f := range evidenceFields {
				put(f, evidenceName(i, f.Name), item[f.Name])
			}
		}
		form.Set(evidenceCount, strconv.Itoa(len(items)))
	}
	return form
}

// canonical is a record's document as its form would send it back: what a comparison of
// a form with a record compares.
func (k *editKind) canonical(doc json.RawMessage, id string) map[string]json.RawMessage {
	d, _ := k.document(k.formOf(doc), id)
	return rawFields(d)
}

func rawFields(doc map[string]any) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(doc))
	for name, v := range doc {
		out[name], _ = json.Marshal(v)
	}
	return out
}

// fieldView is one field as the form shows it.
type fieldView struct {
	fieldSpec
	ID      string // the control's id (the fieldset's, for check boxes)
	Form    string // the control's name
	Value   string
	Checked map[string]bool
	Options []option
	Errors  []string
	Theirs  string // on an edit conflict, the other curator's value of a field both changed
	List    string // the id of a list of suggestions, for a text field
}

// Control tells the template which control shows the field.
func (f fieldView) Control() string {
	switch f.Kind {
	case longField, optionalLong, linesField:
		return "textarea"
	case choiceField, optionalChoice:
		return "select"
	case tagsField:
		return "checkboxes"
	case boolField:
		return "checkbox"
	}
	return "input"
}

// Rows is a text area's height.
func (f fieldView) Rows() int {
	switch {
	case f.Name == "summary":
		return 9
	case f.Kind == linesField:
		return max(3, min(12, strings.Count(f.Value, "\n")+2))
	}
	return 4
}

// Numeric marks the fields typed as numbers (shown with a numeric keyboard on phones, but
// as text, so what was typed is sent as typed).
func (f fieldView) Numeric() string {
	switch f.Kind {
	case intField, optionalInt:
		return "numeric"
	case optionalNumber:
		return "decimal"
	}
	return ""
}

// Optional marks a choice that may be left "Not stated".
func (f fieldView) Optional() bool { return f.Kind == optionalChoice }

// DescribedBy is the ids of the field's hint and error, for aria-describedby.
func (f fieldView) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if len(f.Errors) > 0 {
		ids = append(ids, f.ID+"-error")
	}
	if f.Theirs != "" {
		ids = append(ids, f.ID+"-theirs")
	}
	return strings.Join(ids, " ")
}

func newFieldView(f fieldSpec, cat *catalog.Catalog, form url.Values, name string) fieldView {
	v := fieldView{fieldSpec: f, ID: "f-" + name, Form: name, Value: form.Get(name)}
	if f.options != nil {
		v.Options = f.options(cat)
	}
	if f.Kind == tagsField {
		v.Checked = map[string]bool{}
		for _, t := range form[name] {
			v.Checked[t] = true
		}
		// a value the form holds that the vocabulary lacks is still shown, ticked, so that
		// its error is beside it and unticking it removes it
		for _, t := range form[name] {
			if !slices.ContainsFunc(v.Options, func(o option) bool { return o.Value == t }) {
				v.Options = append(v.Options, option{Value: t, Label: t})
			}
		}
	}
	if f.Kind == choiceField || f.Kind == optionalChoice {
		if v.Value != "" && !slices.ContainsFunc(v.Options, func(o option) bool { return o.Value == v.Value }) {
			v.Options = append(v.Options, option{Value: v.Value, Label: v.Value})
		}
	}
	return v
}

// formFields shows the form's fields, less the create-only ones when a record is edited,
// with where each stands by its name, so that a problem the store names goes beside it.
func formFields(specs []fieldSpec, cat *catalog.Catalog, form url.Values, create bool) (fields []fieldView, byName map[string]int) {
	byName = map[string]int{}
	for _, f := range specs {
		if f.CreateOnly && !create {
			continue
		}
		byName[f.Name] = len(fields)
		fields = append(fields, newFieldView(f, cat, form, f.Name))
	}
	return fields, byName
}

// evidenceView is one evidence item of an intervention's form.
type evidenceView struct {
	Index   int
	Number  int
	Fields  []fieldView
	Remove  string // the name of its "remove" check box
	Removed bool   // ticked
	ID      string
	Errors  []string // about the item as a whole
}

// errorLink is one problem in the error summary at the top of a form, linked to its field.
type errorLink struct {
	Href, Text string
}

// editView is an edit page: a record's form, with what went wrong, and a conflict.
type editView struct {
	layout
	Kind        string // "study" or "intervention"
	Collection  string
	Create      bool
	ID          string
	Action      string
	PublicURL   string
	HistoryURL  string
	ETag        string
	Base        string // the record as the form started from (JSON), to tell their change from yours
	Fields      []fieldView
	Evidence    []evidenceView
	HasEvidence bool
	Studies     []option // suggestions for an evidence item's study
	Errors      []errorLink
	Notice      string // a sentence above the form: signed out, or why it is shown again
	Conflict    *conflictView
	Delete      *deleteView
}

// conflictView is someone else's change to the record, made while this form was open.
type conflictView struct {
	Who     string // the last change's author and time, from the audit log
	Changes []fieldChange
	Both    []string // fields both changed: yours are in the form, theirs beside them
}

// deleteView is the form that deletes the record, with the references that stand in its
// way.
type deleteView struct {
	Links  []linkView
	Error  string
	Unlink bool
}

// linkView is one record that refers to the one shown.
type linkView struct {
	Text, Href string
}

// editPage shows a record's form: empty for a new one, or the record as it is now.
func (s *Site) editPage(k *editKind, create bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		cat := s.snapshot(c)
		if create {
			form := url.Values{}
			if k.evidence {
				form.Set(evidenceCount, "1") // one blank item to start from
			}
			s.renderEdit(c, http.StatusOK, k, cat, true, "", form, "", "", nil, nil)
			return
		}
		id := c.Param("id")
		doc, etag, _, err := k.detail(cat, id)
		if err != nil {
			s.webFail(c, err)
			return
		}
		s.renderEdit(c, http.StatusOK, k, cat, false, id, k.formOf(doc), etag, string(doc), nil, nil)
	}
}

// renderEdit shows the form of a record (id; "" for a new one) holding form, with the
// problems a save found.
func (s *Site) renderEdit(c *gin.Context, status int, k *editKind, cat *catalog.Catalog, create bool, id string,
	form url.Values, etag, base string, problems []models.FieldError, items []int, extra ...func(*editView)) {
	title := "Add a " + k.name
	if !create {
		title = "Edit " + k.name + " " + id
		if _, _, t, err := k.detail(cat, id); err == nil {
			title = "Edit: " + t
		}
	}
	v := editView{layout: s.curationLayout(c, title), Kind: k.name, Collection: k.collection, Create: create, ID: id,
		ETag: etag, Base: base, HasEvidence: k.evidence}
	if create {
		v.Action = "/" + k.collection + "/new"
	} else {
		v.Action, v.PublicURL, v.HistoryURL = k.path(id)+"/edit", k.path(id), k.path(id)+"/history"
	}
	var byName map[string]int
	v.Fields, byName = formFields(k.fields, cat, form, create)
	formItem := map[int]int{} // form item index → position in v.Evidence
	if k.evidence {
		v.Studies = studyOptions(cat)
		n, _ := strconv.Atoi(form.Get(evidenceCount))
		for i := range min(max(n, 0), maxEvidence) {
			ev := evidenceView{Index: i, Number: len(v.Evidence) + 1, Remove: evidenceName(i, "remove"), ID: "evidence-" + strconv.Itoa(i),
				Removed: form.Get(evidenceName(i, "remove")) != ""}
			for _, f := range evidenceFields {
				fv := newFieldView(f, cat, form, evidenceName(i, f.Name))
				if f.Name == "study_id" && len(v.Studies) > 0 {
					fv.List = "study-ids"
				}
				ev.Fields = append(ev.Fields, fv)
			}
			formItem[i] = len(v.Evidence)
			v.Evidence = append(v.Evidence, ev)
		}
	}
	// each problem beside its field, and all of them in the summary at the top
	for _, p := range problems {
		text := formReason(p.Reason)
		top, rest, _ := strings.Cut(strings.NewReplacer("[", ".[").Replace(p.Field), ".")
		switch {
		case top == "evidence" && k.evidence:
			n, sub := evidenceIndex(rest)
			if n >= 0 && n < len(items) {
				ev := &v.Evidence[formItem[items[n]]]
				for j := range ev.Fields {
					if ev.Fields[j].Name == sub {
						ev.Fields[j].Errors = append(ev.Fields[j].Errors, text)
						v.Errors = append(v.Errors, errorLink{"#" + ev.Fields[j].ID, fmt.Sprintf("Evidence item %d, %s: %s", ev.Number, strings.ToLower(ev.Fields[j].Label), text)})
						break
					}
				}
				if sub == "" {
					ev.Errors = append(ev.Errors, text)
					v.Errors = append(v.Errors, errorLink{"#" + ev.ID, fmt.Sprintf("Evidence item %d: %s", ev.Number, text)})
				}
				continue
			}
			v.Errors = append(v.Errors, errorLink{"#evidence", "Evidence: " + text})
		default:
			if i, ok := byName[top]; ok {
				f := &v.Fields[i]
				if line := lineOf(rest); line > 0 {
					text = fmt.Sprintf("line %d: %s", line, text)
				}
				f.Errors = append(f.Errors, capitalise(text))
				v.Errors = append(v.Errors, errorLink{"#" + f.ID, f.Label + ": " + text})
				continue
			}
			v.Errors = append(v.Errors, errorLink{"", fieldReason(p)})
		}
	}
	if !create {
		v.Delete = &deleteView{Unlink: form.Get("unlink") != ""}
		for _, l := range k.links(cat, id) {
			kind := kindNamed(l.Kind)
			v.Delete.Links = append(v.Delete.Links, linkView{Text: l.Kind + " " + l.ID + " (" + l.Field + ")", Href: kind.path(l.ID)})
		}
	}
	for _, f := range extra {
		f(&v)
	}
	s.render(c, status, "edit", v)
}

// kindNamed is the edit kind of the name the store gives a record's kind.
func kindNamed(name string) *editKind {
	if k := recordKind(name); k != nil {
		return k
	}
	return editKinds[0]
}

// evidenceIndex reads "[2].study_id" as 2 and "study_id"; -1 when it is not an item's.
func evidenceIndex(rest string) (int, string) {
	idx, sub, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(strings.Trim(idx, "[]"))
	if err != nil || !strings.HasPrefix(idx, "[") {
		return -1, ""
	}
	return n, sub
}

// lineOf reads "[2]" (the third item of a list typed one a line) as line 3; 0 otherwise.
func lineOf(rest string) int {
	n, err := strconv.Atoi(strings.Trim(rest, "[]"))
	if err != nil || !strings.HasPrefix(rest, "[") {
		return 0
	}
	return n + 1
}

// formReason words a decoding error for a form, where every value is typed as text: "has
// a string where a whole number is needed" reads "must be a whole number".
func formReason(reason string) string {
	if rest, ok := strings.CutPrefix(reason, "has a string where "); ok {
		if what, ok := strings.CutSuffix(rest, " is needed"); ok {
			return "must be " + what
		}
	}
	return reason
}

// saveRecord saves a record's form: a new record, or a change to one.
func (s *Site) saveRecord(k *editKind, create bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		cat := s.snapshot(c)
		if err := c.Request.ParseForm(); err != nil {
			s.webFail(c, models.Invalid("form", "could not be read"))
			return
		}
		form := c.Request.PostForm
		id := c.Param("id")
		if create {
			id = formText(form.Get("id"))
		}
		etag, base := form.Get("etag"), form.Get("base")
		if !create {
			if _, _, _, err := k.detail(cat, id); err != nil && len(base) == 0 {
				s.webFail(c, err)
				return
			}
		}
		// "add an evidence item" shows the form again with one more, saving nothing
		if c.PostForm("action") == "add-evidence" && k.evidence {
			n, _ := strconv.Atoi(form.Get(evidenceCount))
			form.Set(evidenceCount, strconv.Itoa(min(max(n, 0)+1, maxEvidence)))
			s.renderEdit(c, http.StatusOK, k, cat, create, id, form, etag, base, nil, nil, func(v *editView) {
				v.Notice = "An empty evidence item has been added at the end. Nothing is saved until you press Save."
			})
			return
		}
		who := signedIn(c)
		if who == nil { // signed out meanwhile: keep what was typed, save nothing
			s.renderEdit(c, http.StatusUnauthorized, k, cat, create, id, form, etag, base, nil, nil, func(v *editView) {
				v.Notice = "Your session has ended, so nothing was saved; what you typed is still below. Sign in again in another tab or window (the link opens one), then press Save here."
			})
			return
		}
		doc, items := k.document(form, id)
		body, err := json.Marshal(doc)
		if err != nil {
			s.webFail(c, err)
			return
		}
		record, bodyID, problems, err := k.decode(body)
		if err != nil {
			s.webFail(c, err)
			return
		}
		if !create && bodyID != id {
			problems = append(problems, models.FieldError{Field: "id", Reason: fmt.Sprintf("is %q, not the page's %q: a record keeps its id", bodyID, id)})
		}
		if len(problems) > 0 {
			// what could not even be decoded stops the save, as in the API; the rest of the
			// record is checked by the same check the store runs, so every problem shows at once
			for _, p := range k.check(cat, record) {
				if !slices.ContainsFunc(problems, func(q models.FieldError) bool { return topField(q.Field) == topField(p.Field) }) {
					problems = append(problems, p)
				}
			}
			s.renderEdit(c, http.StatusUnprocessableEntity, k, cat, create, id, form, etag, base, problems, items)
			return
		}
		op, ifMatch := models.OpCreate, []string(nil)
		if !create {
			op, ifMatch = models.OpUpdate, []string{etag}
		}
		next, err := s.cur.WriteRecordAs(c.Request.Context(), *who, httpio.RequestID(c), k.name, op, id, record, ifMatch, false)
		var e *models.Error
		switch {
		case err == nil:
			httpio.Pin(c, next)
			if create {
				flash(c, "The "+k.name+" "+id+" has been added.")
			} else {
				flash(c, "Your change to this "+k.name+" has been saved.")
			}
			c.Redirect(http.StatusSeeOther, k.path(id))
		case errors.As(err, &e) && e.Code == models.EPreconditionFailed:
			s.conflict(c, k, id, form, doc, base)
		case errors.As(err, &e) && (e.Code == models.EUnprocessable || e.Code == models.EConflict || e.Code == models.ENotFound):
			status := httpio.StatusOf(e.Code)
			fields := e.Fields
			if len(fields) == 0 {
				fields = []models.FieldError{{Field: "record", Reason: e.Message}}
			}
			s.renderEdit(c, status, k, s.snapshot(c), create, id, form, etag, base, fields, items)
		default:
			s.webFail(c, err)
		}
	}
}

// topField is the field a problem is about: "evidence" of "evidence[2].kind".
func topField(field string) string {
	return strings.FieldsFunc(field, func(r rune) bool { return r == '[' || r == '.' })[0]
}

// conflict answers a save whose record changed since its form was opened (412 underneath):
// the form comes back with both changes, field by field. A field only they changed takes
// their value; a field only you changed keeps yours; a field you both changed keeps yours,
// with theirs shown beside it. Nothing is saved until the curator, having seen it, saves
// again (the form now carries the record's current ETag).
func (s *Site) conflict(c *gin.Context, k *editKind, id string, form url.Values, yours map[string]any, base string) {
	cat := s.snapshot(c)
	current, etag, _, err := k.detail(cat, id)
	if err != nil {
		s.renderEdit(c, http.StatusNotFound, k, cat, false, id, form, "", base, []models.FieldError{{Field: "record",
			Reason: "this " + k.name + " has been deleted since you opened it; what you typed is still below, but it cannot be saved here (copy it, or add the " + k.name + " again)"}}, nil)
		return
	}
	b, theirs, mine := k.canonical(json.RawMessage(base), id), k.canonical(current, id), rawFields(yours)
	merged := map[string]json.RawMessage{}
	cv := &conflictView{Changes: diffDocs(json.RawMessage(base), current, k.names(), k.label)}
	for _, name := range k.names() {
		switch {
		case sameJSON(mine[name], b[name]):
			merged[name] = theirs[name]
		case sameJSON(theirs[name], b[name]), sameJSON(theirs[name], mine[name]):
			merged[name] = mine[name]
		default:
			merged[name] = mine[name]
			cv.Both = append(cv.Both, name)
		}
	}
	merged["id"], _ = json.Marshal(id)
	doc, _ := json.Marshal(merged)
	next := k.formOf(doc)
	if len(base) == 0 { // no record to tell changes by: show theirs beside every field
		next = form
	}
	if entries, _, err := s.cur.AuditLog(c.Request.Context(), k.name, id, "", "", zeroTime, zeroTime, 1, 1); err == nil && len(entries) > 0 {
		cv.Who = entries[0].Actor + " (" + string(entries[0].Role) + "), " + entries[0].At.UTC().Format("2 January 2006 at 15:04 UTC")
	}
	theirsOf := map[string]string{}
	for _, ch := range cv.Changes {
		if slices.Contains(cv.Both, ch.Name) {
			theirsOf[ch.Name] = changeSummary(ch)
		}
	}
	s.renderEdit(c, http.StatusPreconditionFailed, k, cat, false, id, next, etag, string(current), nil, nil, func(v *editView) {
		v.Conflict = cv
		for i := range v.Fields {
			if t, ok := theirsOf[v.Fields[i].Name]; ok {
				v.Fields[i].Theirs = t
			}
		}
		if k.evidence && slices.Contains(cv.Both, "evidence") {
			v.Notice = "You both changed the evidence items: yours are in the form; theirs are listed under “Their change” above."
		}
	})
}

// changeSummary words a field's change in one line, for beside a form field.
func changeSummary(ch fieldChange) string {
	switch {
	case ch.IsWords():
		var b strings.Builder
		for _, p := range ch.Words {
			if p.Op != "del" {
				b.WriteString(p.Text)
			}
		}
		return b.String()
	case ch.IsList():
		var parts []string
		if len(ch.Added) > 0 {
			parts = append(parts, "added "+strings.Join(ch.Added, "; "))
		}
		if len(ch.Removed) > 0 {
			parts = append(parts, "removed "+strings.Join(ch.Removed, "; "))
		}
		return strings.Join(parts, "; ")
	case ch.IsItems():
		return plural(len(ch.Items), "evidence item changed", "evidence items changed")
	}
	return ch.After
}

// deleteRecord deletes a record: refused while others refer to it, unless the curator
// chose to remove those references too (each referring record is then changed and
// audited, in the same transaction).
func (s *Site) deleteRecord(k *editKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		cat := s.snapshot(c)
		id := c.Param("id")
		doc, etag, _, err := k.detail(cat, id)
		if err != nil {
			s.webFail(c, err)
			return
		}
		refuse := func(status int, msg string) {
			s.renderEdit(c, status, k, cat, false, id, k.formOf(doc), etag, string(doc), nil, nil, func(v *editView) {
				v.Delete.Error = msg
				v.Delete.Unlink = c.PostForm("unlink") != ""
				v.Errors = append(v.Errors, errorLink{"#delete", msg})
			})
		}
		if c.PostForm("confirm") == "" {
			refuse(http.StatusUnprocessableEntity, "Tick “Yes, delete this "+k.name+"” to delete it.")
			return
		}
		who := signedIn(c)
		_, err = s.cur.WriteRecordAs(c.Request.Context(), *who, httpio.RequestID(c), k.name, models.OpDelete, id, nil,
			[]string{c.PostForm("etag")}, c.PostForm("unlink") != "")
		var e *models.Error
		switch {
		case err == nil:
			flash(c, "The "+k.name+" "+id+" has been deleted. Its history stays readable at "+k.path(id)+"/history.")
			c.Redirect(http.StatusSeeOther, k.after)
		case errors.As(err, &e) && e.Code == models.EPreconditionFailed:
			refuse(http.StatusPreconditionFailed, "Someone changed this "+k.name+" since you opened the page, so it was not deleted. The form now shows it as it is: check it, then delete again if you still mean to.")
		case errors.As(err, &e) && e.Code == models.EConflict:
			refuse(http.StatusConflict, "Other records refer to this "+k.name+", so it was not deleted: "+e.Message+
				". Tick “Also remove these references” to delete it with them, or change those records first.")
		default:
			s.webFail(c, err)
		}
	}
}
