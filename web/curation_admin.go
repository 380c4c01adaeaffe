package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// The admins' pages: the vocabularies (themes, strands, disadvantage-focus values) and
// imports. Each change goes through the store's own write, as the API's does
// (api/vocab_writes.go, api/audit.go): the value's document is decoded by
// httpio.DecodeRecord, and the store checks it, compares ETags and audits it.

// vocabKind is a vocabulary as the admin pages edit it.
type vocabKind struct {
	name   string // models.KindTheme: as the store and the audit log name it
	title  string // "Themes"
	fields []fieldSpec
	values func(cat *catalog.Catalog) []option
	decode func(body []byte) (item any, slug string, problems []models.FieldError, err error)
}

// newVocabKind makes the pages' view of a vocabulary of the catalogue.
func newVocabKind[V any](k *catalog.VocabularyKind[V], title string, fields []fieldSpec, values func(cat *catalog.Catalog) []option) *vocabKind {
	return &vocabKind{name: k.Name, title: title, fields: fields, values: values,
		// as the API's put decodes a body
		decode: func(body []byte) (any, string, []models.FieldError, error) {
			var item V
			problems, err := httpio.DecodeRecord(body, &item)
			return item, k.Slug(item), problems, err
		}}
}

const slugHint = "Lower-case words joined by hyphens, such as engaging-with-fathers. It is how records name the value, and cannot be changed later."

var (
	slugField        = fieldSpec{Name: "slug", Label: "Slug", Hint: slugHint, Kind: textField, CreateOnly: true}
	nameField        = fieldSpec{Name: "name", Label: "Name", Kind: textField}
	descriptionField = fieldSpec{Name: "description", Label: "Description", Hint: "In plain language: what it means.", Kind: longField}
	provisionalField = fieldSpec{Name: "provisional", Label: "The name is ours, not the review's (provisional)", Kind: boolField}
	noteField        = fieldSpec{Name: "note", Label: "Note on the name", Hint: "Why it is provisional. Leave empty if it is not.", Kind: optionalLong}
)

var vocabKinds = []*vocabKind{
	newVocabKind(catalog.ThemeKind, "Themes", []fieldSpec{slugField, nameField, descriptionField, provisionalField, noteField,
		{Name: "source_url", Label: "Source", Hint: "Where the review names it (https://…). Leave empty if none.", Kind: optionalText}}, themeOptions),
	newVocabKind(catalog.StrandKind, "Strands of activity", []fieldSpec{slugField, nameField, descriptionField, provisionalField, noteField}, strandOptions),
	newVocabKind(catalog.DisadvantageKind, "Disadvantage focus", []fieldSpec{slugField, nameField, descriptionField}, disadvantageOptions),
}

func vocabNamed(name string) *vocabKind {
	for _, k := range vocabKinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// vocabRow is one value in a vocabulary's table.
type vocabRow struct {
	Slug, Name             string
	Studies, Interventions int
	EditURL                string
}

// vocabSection is one vocabulary's table.
type vocabSection struct {
	Kind, Title string
	Rows        []vocabRow
	AddURL      string
}

// vocabForm is the form of one value: a new one, or a change to one.
type vocabForm struct {
	Kind, KindTitle string
	Create          bool
	Slug            string
	ETag            string
	Fields          []fieldView
	Uses            string // how many records carry it, for the delete form
	DeleteError     string
}

// vocabulariesView is the vocabularies page.
type vocabulariesView struct {
	layout
	Sections []vocabSection
	Form     *vocabForm
	Errors   []errorLink
}

func vocabEditURL(kind, slug string) string {
	return vocabulariesPath + "?" + url.Values{"kind": {kind}, "slug": {slug}}.Encode() + "#value-form"
}

// vocabulariesPage lists the vocabularies; with kind and slug it shows that value's form,
// with kind and new=1 a new value's.
func (s *Site) vocabulariesPage(c *gin.Context) {
	if !s.takesOnly(c, "kind", "slug", "new") {
		return
	}
	q := c.Request.URL.Query()
	cat := s.snapshot(c)
	var form url.Values
	create := q.Get("new") != ""
	if kind := q.Get("kind"); kind != "" {
		k := vocabNamed(kind)
		if k == nil {
			s.webFail(c, models.Invalid("kind", fmt.Sprintf("%q is not a vocabulary", kind), models.KindTheme, models.KindStrand, models.KindDisadvantage))
			return
		}
		if !create {
			item, _, ok := cat.VocabularyItem(kind, q.Get("slug"))
			if !ok {
				s.webFail(c, models.NotFound(kind, q.Get("slug")))
				return
			}
			doc, _ := json.Marshal(item)
			form = formOfFields(k.fields, doc)
		} else {
			form = url.Values{}
		}
		form.Set("kind", kind)
	}
	s.renderVocabularies(c, http.StatusOK, cat, form, create, nil, "")
}

// formOfFields is the form that shows a document's fields.
func formOfFields(fields []fieldSpec, doc json.RawMessage) url.Values {
	k := &editKind{fields: fields}
	return k.formOf(doc)
}

// renderVocabularies shows the vocabularies page; form, when not nil, is a value's form
// (its kind in "kind"), with the problems a save found.
func (s *Site) renderVocabularies(c *gin.Context, status int, cat *catalog.Catalog, form url.Values, create bool, problems []models.FieldError, deleteError string) {
	v := vocabulariesView{layout: s.curationLayout(c, "Vocabularies")}
	for _, k := range vocabKinds {
		sec := vocabSection{Kind: k.name, Title: k.title,
			AddURL: vocabulariesPath + "?" + url.Values{"kind": {k.name}, "new": {"1"}}.Encode() + "#value-form"}
		for _, o := range k.values(cat) {
			studies, ivs := cat.TagUse(k.name, o.Value)
			sec.Rows = append(sec.Rows, vocabRow{Slug: o.Value, Name: o.Label, Studies: studies, Interventions: ivs, EditURL: vocabEditURL(k.name, o.Value)})
		}
		v.Sections = append(v.Sections, sec)
	}
	if form != nil {
		k := vocabNamed(form.Get("kind"))
		slug := form.Get("slug")
		f := &vocabForm{Kind: k.name, KindTitle: k.title, Create: create, Slug: slug, DeleteError: deleteError}
		if !create {
			if _, etag, ok := cat.VocabularyItem(k.name, slug); ok {
				f.ETag = etag
			}
			if e := form.Get("etag"); e != "" && status != http.StatusPreconditionFailed {
				f.ETag = e
			}
			studies, ivs := cat.TagUse(k.name, slug)
			f.Uses = plural(studies, "study", "studies") + " and " + plural(ivs, "intervention", "interventions")
		}
		var byName map[string]int
		f.Fields, byName = formFields(k.fields, cat, form, create)
		for _, p := range problems {
			// the store names a value's field as a dataset's: "themes[3] (slug).name"
			name := p.Field
			if i := strings.LastIndex(name, ")."); i >= 0 {
				name = name[i+2:]
			}
			if i, ok := byName[name]; ok {
				f.Fields[i].Errors = append(f.Fields[i].Errors, capitalise(formReason(p.Reason)))
				v.Errors = append(v.Errors, errorLink{"#" + f.Fields[i].ID, f.Fields[i].Label + ": " + formReason(p.Reason)})
				continue
			}
			v.Errors = append(v.Errors, errorLink{"", fieldReason(p)})
		}
		if deleteError != "" {
			v.Errors = append(v.Errors, errorLink{"#delete-value", deleteError})
		}
		v.Form = f
	}
	s.render(c, status, "vocabularies", v)
}

// vocabularyWrite saves or deletes one value.
func (s *Site) vocabularyWrite(c *gin.Context) {
	cat := s.snapshot(c)
	if err := c.Request.ParseForm(); err != nil {
		s.webFail(c, models.Invalid("form", "could not be read"))
		return
	}
	form := c.Request.PostForm
	k := vocabNamed(form.Get("kind"))
	if k == nil {
		s.webFail(c, models.Invalid("kind", "is not a vocabulary", models.KindTheme, models.KindStrand, models.KindDisadvantage))
		return
	}
	create := form.Get("new") != ""
	slug := formText(form.Get("slug"))
	form.Set("slug", slug)
	who := signedIn(c)
	var ifMatch []string
	if e := form.Get("etag"); e != "" && !create {
		ifMatch = []string{e}
	}
	var (
		item any
		del  = form.Get("action") == "delete"
	)
	if del {
		if form.Get("confirm") == "" {
			s.renderVocabularies(c, http.StatusUnprocessableEntity, cat, form, false, nil, "Tick “Yes, delete this value” to delete it.")
			return
		}
	} else {
		doc := map[string]any{}
		for _, f := range k.fields {
			doc[f.Name] = jsonOf(f, form, f.Name)
		}
		doc["slug"] = slug
		body, _ := json.Marshal(doc)
		var problems []models.FieldError
		var err error
		item, _, problems, err = k.decode(body)
		if err != nil {
			s.webFail(c, err)
			return
		}
		if len(problems) > 0 {
			s.renderVocabularies(c, http.StatusUnprocessableEntity, cat, form, create, problems, "")
			return
		}
	}
	_, op, err := s.cur.WriteVocabularyAs(c.Request.Context(), *who, httpio.RequestID(c), k.name, slug, item, del, ifMatch)
	var e *models.Error
	switch {
	case err == nil:
		flash(c, fmt.Sprintf("The %s %s has been %s.", k.name, slug, map[string]string{models.OpCreate: "added", models.OpUpdate: "saved", models.OpDelete: "deleted"}[op]))
		c.Redirect(http.StatusSeeOther, vocabulariesPath+"#"+k.name+"-heading")
	case errors.As(err, &e) && e.Code == models.EPreconditionRequired && create:
		s.renderVocabularies(c, http.StatusConflict, cat, form, create, []models.FieldError{{Field: "slug",
			Reason: "is taken: a " + k.name + " with this slug exists; change it from its own row instead"}}, "")
	case errors.As(err, &e) && e.Code == models.EPreconditionFailed:
		s.renderVocabularies(c, http.StatusPreconditionFailed, cat, form, create, []models.FieldError{{Field: "form",
			Reason: "someone changed this value since you opened it; nothing was saved. What you typed is below; check the list for their change, then save again"}}, "")
	case errors.As(err, &e) && del:
		s.renderVocabularies(c, httpio.StatusOf(e.Code), cat, form, false, nil, capitalise(e.Message)+". Nothing was deleted.")
	case errors.As(err, &e) && (e.Code == models.EUnprocessable || e.Code == models.EConflict || e.Code == models.ENotFound):
		fields := e.Fields
		if len(fields) == 0 {
			fields = []models.FieldError{{Field: "form", Reason: e.Message}}
		}
		s.renderVocabularies(c, httpio.StatusOf(e.Code), cat, form, create, fields, "")
	default:
		s.webFail(c, err)
	}
}

// importView is the import page: the upload form, a dry run's report, or an import's.
type importView struct {
	layout
	Report   *models.ImportReport
	Document string // the document a dry run checked, to apply it without uploading again
	Revision int64  // the store's revision the dry run saw
	Notice   string
	Error    string
	Changed  []importChange
}

// importChange is one record an import changes, with its fields in words.
type importChange struct {
	Kind, ID, Fields string
}

func (s *Site) importPage(c *gin.Context) {
	s.render(c, http.StatusOK, "import", importView{layout: s.curationLayout(c, "Import a dataset")})
}

// importWrite runs an uploaded dataset document as a dry run, or applies one a dry run
// checked. An apply runs the dry run again first: if the evidence base has moved on since
// the report the admin read, it shows the new report instead of applying.
func (s *Site) importWrite(c *gin.Context) {
	v := importView{layout: s.curationLayout(c, "Import a dataset")}
	var raw []byte
	if fh, err := c.FormFile("document"); err == nil {
		f, err := fh.Open()
		if err == nil {
			raw, err = io.ReadAll(f)
			f.Close()
		}
		if err != nil {
			s.webFail(c, err)
			return
		}
	} else {
		raw = []byte(c.PostForm("document-text"))
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		v.Error = "Choose a dataset file (JSON, in the format of the dataset download) to check."
		s.render(c, http.StatusUnprocessableEntity, "import", v)
		return
	}
	who := signedIn(c)
	ctx, rid := c.Request.Context(), httpio.RequestID(c)
	report, err := s.cur.ImportAs(ctx, *who, rid, raw, true)
	if err != nil {
		s.webFail(c, err)
		return
	}
	status := http.StatusOK
	if c.PostForm("action") == "apply" && len(report.Errors) == 0 {
		seen, _ := strconv.ParseInt(c.PostForm("revision"), 10, 64)
		if seen != report.Revision {
			v.Notice = fmt.Sprintf("The evidence base has changed since your dry run (revision %d, now %d), so nothing was imported. This is what the import would do now; apply it again if it is still right.", seen, report.Revision)
			status = http.StatusPreconditionFailed
		} else if report, err = s.cur.ImportAs(ctx, *who, rid, raw, false); err != nil {
			var e *models.Error
			if !errors.As(err, &e) || report == nil {
				s.webFail(c, err)
				return
			}
			v.Error = capitalise(e.Message) + "."
			status = httpio.StatusOf(e.Code)
		}
	}
	if len(report.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	v.Report, v.Revision = report, report.Revision
	if !report.Applied {
		v.Document = string(raw)
	}
	for _, ch := range report.Changed {
		names := make([]string, len(ch.Fields))
		for i, f := range ch.Fields {
			names[i] = kindNamed(ch.Kind).label(f)
			if recordKind(ch.Kind) == nil {
				names[i] = capitalise(strings.ReplaceAll(f, "_", " "))
			}
		}
		v.Changed = append(v.Changed, importChange{Kind: ch.Kind, ID: ch.ID, Fields: strings.Join(names, ", ")})
	}
	s.render(c, status, "import", v)
}
