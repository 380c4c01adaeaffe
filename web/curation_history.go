package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// Each record's history, and the admins' audit log: every change, who made it and when,
// read field by field as a diff. Both read the audit log the writes append to, the API's
// and the pages' alike.

// Entries shown a page.
const (
	historyPerPage = 20
	auditPerPage   = 25
)

// entryView is one audit entry as the pages show it.
type entryView struct {
	ID        int64
	Heading   string // "Updated by alice (curator)"
	When      string // in words, UTC
	Datetime  string // for <time datetime>
	Op        string
	RequestID string
	Revision  int64
	Record    string // the record, named (audit page)
	RecordURL string // its history page (audit page)
	Changes   []fieldChange
}

// opWords say what an operation did.
var opWords = map[string]string{models.OpCreate: "Added", models.OpUpdate: "Changed", models.OpDelete: "Deleted", models.OpImport: "Imported"}

// entryOf words an audit entry, with its diff.
func entryOf(e models.AuditEntry) entryView {
	v := entryView{ID: e.ID, Heading: opWords[e.Operation] + " by " + e.Actor + " (" + string(e.Role) + ")",
		When: e.At.UTC().Format("2 January 2006, 15:04:05 UTC"), Datetime: e.At.UTC().Format(time.RFC3339),
		Op: e.Operation, RequestID: e.RequestID, Revision: e.Revision}
	if e.Operation == models.OpImport {
		switch {
		case isNull(e.Before):
			v.Heading = "Added by " + e.Actor + "'s import"
		case isNull(e.After):
			v.Heading = "Removed by " + e.Actor + "'s import"
		default:
			v.Heading = "Changed by " + e.Actor + "'s import"
		}
	}
	names, label := []string(nil), fieldLabels(func(n string) string { return capitalise(strings.ReplaceAll(n, "_", " ")) })
	if k := recordKind(e.Kind); k != nil {
		names, label = k.names(), k.label
	}
	v.Changes = diffDocs(e.Before, e.After, names, label)
	return v
}

func isNull(doc json.RawMessage) bool { return len(doc) == 0 || string(doc) == "null" }

// recordKind is the edit kind of a record kind's name; nil for a vocabulary's.
func recordKind(name string) *editKind {
	for _, k := range editKinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// takesOnly answers the error page, and says false, when the query names an option other
// than options: a curator's page refuses one as a public page does.
func (s *Site) takesOnly(c *gin.Context, options ...string) bool {
	for name := range c.Request.URL.Query() {
		if !slices.Contains(options, name) {
			s.webFail(c, &models.Error{Code: models.EUnknownParameter, Message: name + " is not an option of this page",
				Fields: []models.FieldError{{Field: name, Reason: "is not an option of this page", Valid: options}}})
			return false
		}
	}
	return true
}

// pagerView links a list's neighbouring pages.
type pagerView struct {
	Page, Pages int
	Prev, Next  string
}

func pagerOf(u *url.URL, page, perPage, total int) pagerView {
	p := pagerView{Page: page, Pages: max(1, (total+perPage-1)/perPage)}
	link := func(n int) string {
		q := u.Query()
		q.Set("page", strconv.Itoa(n))
		return u.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// pageParam reads the page parameter: 1 when absent.
func pageParam(c *gin.Context) (int, error) {
	v := c.Query("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100_000 {
		return 0, models.Invalid("page", "must be a whole number from 1")
	}
	return n, nil
}

// historyView is a record's history page.
type historyView struct {
	layout
	Kind      string
	ID        string
	Name      string
	PublicURL string // "" when the record has been deleted
	EditURL   string // for a signed-in curator
	Entries   []entryView
	Total     int
	Pager     pagerView
}

// historyPage lists a record's changes, newest first, each as a diff. It is open to all,
// as the API's history is; a deleted record's history stays readable.
func (s *Site) historyPage(k *editKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		if err := httpio.ValidID(k.name, id); err != nil {
			s.webFail(c, err)
			return
		}
		if !s.takesOnly(c, "page") {
			return
		}
		page, err := pageParam(c)
		if err != nil {
			s.webFail(c, err)
			return
		}
		cat := s.snapshot(c)
		entries, total, err := s.cur.AuditLog(c.Request.Context(), k.name, id, "", "", zeroTime, zeroTime, page, historyPerPage)
		if err != nil {
			s.webFail(c, err)
			return
		}
		_, _, name, exists := k.detail(cat, id)
		if exists != nil && total == 0 {
			s.webFail(c, models.NotFound(k.name, id))
			return
		}
		v := historyView{Kind: k.name, ID: id, Name: name, Total: total, Pager: pagerOf(c.Request.URL, page, historyPerPage, total)}
		if exists == nil {
			v.PublicURL = k.path(id)
			if signedIn(c) != nil {
				v.EditURL = k.path(id) + "/edit"
			}
		} else if len(entries) > 0 {
			v.Name = nameIn(entries[0].Before, entries[0].After)
		}
		if v.Name == "" {
			v.Name = id
		}
		for _, e := range entries {
			v.Entries = append(v.Entries, entryOf(e))
		}
		v.layout = s.curationLayout(c, "History of "+v.Name)
		s.render(c, http.StatusOK, "history", v)
	}
}

// nameIn is a record's title or name, from its documents in an audit entry.
func nameIn(docs ...json.RawMessage) string {
	for _, doc := range docs {
		m := object(doc)
		for _, f := range []string{"title", "name"} {
			var s string
			if json.Unmarshal(orNull(m[f]), &s) == nil && s != "" {
				return s
			}
		}
	}
	return ""
}

// auditView is the admins' audit page.
type auditView struct {
	layout
	Actor, Kind, Record, Operation, From, To string
	Kinds, Operations                        []option
	Entries                                  []entryView
	Total                                    int
	Pager                                    pagerView
	Errors                                   []errorLink
}

// auditFilters are the audit page's options.
var auditFilters = []string{"actor", "kind", "record", "operation", "from", "to", "page"}

// auditPage lists every change, newest first, filtered by who, record, operation and date.
func (s *Site) auditPage(c *gin.Context) {
	if !s.takesOnly(c, auditFilters...) {
		return
	}
	q := c.Request.URL.Query()
	v := auditView{Actor: strings.TrimSpace(q.Get("actor")), Kind: q.Get("kind"), Record: strings.TrimSpace(q.Get("record")),
		Operation: q.Get("operation"), From: q.Get("from"), To: q.Get("to")}
	v.Kinds = []option{{"", "Any"}, {models.KindStudy, "Studies"}, {models.KindIntervention, "Interventions"},
		{models.KindTheme, "Themes"}, {models.KindStrand, "Strands"}, {models.KindDisadvantage, "Disadvantage focus"}}
	v.Operations = []option{{"", "Any"}, {models.OpCreate, "Added"}, {models.OpUpdate, "Changed"}, {models.OpDelete, "Deleted"}, {models.OpImport, "Imported"}}
	v.layout = s.curationLayout(c, "Audit log")
	valid := func(opts []option, x string) bool {
		return slices.ContainsFunc(opts, func(o option) bool { return o.Value == x })
	}
	if !valid(v.Kinds, v.Kind) {
		v.Errors = append(v.Errors, errorLink{"#kind", "Record kind: choose one from the list"})
		v.Kind = ""
	}
	if !valid(v.Operations, v.Operation) {
		v.Errors = append(v.Errors, errorLink{"#operation", "Change: choose one from the list"})
		v.Operation = ""
	}
	date := func(name, text string, end bool) time.Time {
		if text == "" {
			return zeroTime
		}
		t, err := time.Parse(time.DateOnly, text)
		if err != nil {
			v.Errors = append(v.Errors, errorLink{"#" + name, capitalise(name) + ": write a date as 2026-05-31"})
			return zeroTime
		}
		if end {
			t = t.AddDate(0, 0, 1) // to the end of that day
		}
		return t
	}
	from, to := date("from", v.From, false), date("to", v.To, true)
	page, err := pageParam(c)
	if err != nil {
		s.webFail(c, err)
		return
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusBadRequest
	} else {
		entries, total, err := s.cur.AuditLog(c.Request.Context(), v.Kind, v.Record, v.Actor, v.Operation, from, to, page, auditPerPage)
		if err != nil {
			s.webFail(c, err)
			return
		}
		v.Total, v.Pager = total, pagerOf(c.Request.URL, page, auditPerPage, total)
		for _, e := range entries {
			ev := entryOf(e)
			ev.Record = e.Kind + " " + e.RecordID
			if k := recordKind(e.Kind); k != nil {
				if name := nameIn(e.After, e.Before); name != "" {
					ev.Record += ": " + name
				}
				ev.RecordURL = k.path(e.RecordID) + "/history"
			}
			v.Entries = append(v.Entries, ev)
		}
	}
	s.render(c, status, "audit", v)
}
