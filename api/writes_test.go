package api_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

const (
	jsonType  = "application/json"
	patchType = "application/merge-patch+json"
)

// curation is a writable server with a curator's and an admin's token.
type curation struct {
	t              *testing.T
	srv            http.Handler
	st             *store.Store
	curator, admin string
}

func newCuration(t *testing.T) *curation {
	srv, st := apitest.NewWritableServer(t)
	return &curation{t: t, srv: srv, st: st,
		curator: apitest.Token(t, st, "carol", models.RoleCurator), admin: apitest.Token(t, st, "adam", models.RoleAdmin)}
}

func (k *curation) do(method, target, token, contentType string, body any, headers ...string) (int, http.Header, []byte) {
	k.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			k.t.Fatal(err)
		}
	}
	rec := apitest.Send(k.t, k.srv, method, target, token, contentType, raw, headers...)
	return rec.Code, rec.Header(), rec.Body.Bytes()
}

// study returns a study as GET shows it, with its ETag.
func (k *curation) study(id string) (models.Study, string) {
	k.t.Helper()
	return getRecord[models.Study](k, "studies", id)
}

// intervention returns an intervention as GET shows it, with its ETag.
func (k *curation) intervention(id string) (models.Intervention, string) {
	k.t.Helper()
	return getRecord[models.Intervention](k, "interventions", id)
}

// getRecord returns the record of a collection as GET shows it, with its ETag.
func getRecord[T any](k *curation, collection, id string) (T, string) {
	k.t.Helper()
	target := "/api/v1/" + collection + "/" + id
	code, h, body := k.do(http.MethodGet, target, "", "", nil)
	if code != http.StatusOK {
		k.t.Fatalf("GET %s = %d", target, code)
	}
	var d struct{ Data T }
	if err := json.Unmarshal(body, &d); err != nil {
		k.t.Fatal(err)
	}
	return d.Data, h.Get("ETag")
}

// wantStatus checks a status and, for an error, that the body is a problem naming field.
func wantStatus(t *testing.T, code int, body []byte, want int, field string) {
	t.Helper()
	if code != want {
		t.Fatalf("status = %d; want %d\n%s", code, want, body)
	}
	if want >= 400 && field != "" {
		var p struct{ Errors []models.FieldError }
		if err := json.Unmarshal(body, &p); err != nil || !apitest.HasField(p.Errors, field) {
			t.Fatalf("problem %s does not name %q", body, field)
		}
	}
}

func newStudy(id string) models.Study {
	return models.Study{
		ID: id, Title: "Fathers reading with children at home: a zebrafinch study", Authors: []string{"Okafor, N."},
		Year: 2012, Type: "journal-article", Summary: strings.Repeat("Fathers and children read together at home in this study. ", 8),
		KeyFindings: []string{"Fathers reported reading more often."}, Themes: []string{"engaging-with-fathers"},
		Strands: []string{}, DisadvantageFocus: []string{"low-income"}, Interventions: []string{},
		VerifiedIn: []string{"https://example.org/zebrafinch"},
	}
}

func TestWritesNeedAToken(t *testing.T) {
	k := newCuration(t)
	_, etag := k.study("lindsay-2008")
	for _, r := range []struct{ method, target, contentType string }{
		{http.MethodPost, "/api/v1/studies", jsonType},
		{http.MethodPut, "/api/v1/studies/lindsay-2008", jsonType},
		{http.MethodPatch, "/api/v1/studies/lindsay-2008", patchType},
		{http.MethodDelete, "/api/v1/studies/lindsay-2008", ""},
		{http.MethodPost, "/api/v1/interventions", jsonType},
		{http.MethodPut, "/api/v1/interventions/triple-p", jsonType},
		{http.MethodPatch, "/api/v1/interventions/triple-p", patchType},
		{http.MethodDelete, "/api/v1/interventions/triple-p", ""},
		{http.MethodGet, "/api/v1/audit", ""},
		{http.MethodPost, "/api/v1/imports", jsonType},
	} {
		for _, token := range []string{"", "kbt_notarealtokenatall234567abcdefghijklmnopqrstuvwxyz23"} {
			code, h, body := k.do(r.method, r.target, token, r.contentType, "{}", "If-Match", etag)
			wantStatus(t, code, body, http.StatusUnauthorized, "")
			if !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s: WWW-Authenticate = %q", r.method, r.target, h.Get("WWW-Authenticate"))
			}
		}
	}
	// a curator may not read the audit log or import
	for _, r := range []struct{ method, target string }{{http.MethodGet, "/api/v1/audit"}, {http.MethodPost, "/api/v1/imports?dry_run=true"}} {
		code, h, body := k.do(r.method, r.target, k.curator, jsonType, "{}")
		wantStatus(t, code, body, http.StatusForbidden, "")
		if !strings.Contains(h.Get("WWW-Authenticate"), "insufficient_scope") {
			t.Errorf("%s %s: WWW-Authenticate = %q", r.method, r.target, h.Get("WWW-Authenticate"))
		}
	}
	// and reads stay open
	if code, _, _ := k.do(http.MethodGet, "/api/v1/studies/lindsay-2008/history", "", "", nil); code != http.StatusOK {
		t.Errorf("history without a token = %d", code)
	}
}

func TestCreateStudy(t *testing.T) {
	k := newCuration(t)
	s := newStudy("okafor-2012")
	code, h, body := k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, s)
	wantStatus(t, code, body, http.StatusCreated, "")
	if h.Get("Location") != "/api/v1/studies/okafor-2012" || !strings.HasPrefix(h.Get("ETag"), `"`) {
		t.Errorf("Location %q, ETag %q", h.Get("Location"), h.Get("ETag"))
	}
	got, etag := k.study("okafor-2012")
	if got.Title != s.Title || etag != h.Get("ETag") {
		t.Errorf("GET after POST: title %q, ETag %q (POST gave %q)", got.Title, etag, h.Get("ETag"))
	}
	// the id is taken now
	code, _, body = k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, s)
	wantStatus(t, code, body, http.StatusConflict, "id")
	// a body that is not JSON, or not as JSON
	code, _, body = k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, "[1, 2")
	wantStatus(t, code, body, http.StatusBadRequest, "body")
	code, _, body = k.do(http.MethodPost, "/api/v1/studies", k.curator, "text/plain", s)
	wantStatus(t, code, body, http.StatusUnsupportedMediaType, "Content-Type")
}

// A bad body is one 422 that lists every problem, by field.
func TestWriteListsEveryProblem(t *testing.T) {
	k := newCuration(t)
	body := `{"id": "Not A Slug", "title": "x", "authors": ["A, B."], "year": 2019, "type": "journal-article",
		"summary": "short", "themes": ["no-such-theme"], "interventions": ["no-such-programme"],
		"verified_in": ["https://example.org"], "colour": "red", "sample_size": "many"}`
	code, _, resp := k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, body)
	wantStatus(t, code, resp, http.StatusUnprocessableEntity, "colour")
	wantStatus(t, code, resp, http.StatusUnprocessableEntity, "sample_size")
	// type problems are reported before the record is checked; fix them and the rest show
	body = strings.Replace(strings.Replace(body, `, "colour": "red", "sample_size": "many"`, "", 1), "\n", " ", -1)
	code, _, resp = k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, body)
	for _, field := range []string{"id", "year", "summary", "themes", "interventions"} {
		wantStatus(t, code, resp, http.StatusUnprocessableEntity, field)
	}
	// an evidence item citing a study that does not exist
	iv, etag := k.intervention("triple-p")
	missing := "no-such-study"
	iv.Evidence = append(iv.Evidence, models.Evidence{Finding: "A finding.", StudyID: &missing})
	code, _, resp = k.do(http.MethodPut, "/api/v1/interventions/triple-p", k.curator, jsonType, iv, "If-Match", etag)
	wantStatus(t, code, resp, http.StatusUnprocessableEntity, "evidence["+strconv.Itoa(len(iv.Evidence)-1)+"].study_id")
}

func TestReplaceNeedsCurrentETag(t *testing.T) {
	k := newCuration(t)
	s, etag := k.study("lindsay-2008")
	s.Title = "A corrected title"
	code, _, body := k.do(http.MethodPut, "/api/v1/studies/lindsay-2008", k.curator, jsonType, s)
	wantStatus(t, code, body, http.StatusPreconditionRequired, "If-Match")
	code, _, body = k.do(http.MethodPut, "/api/v1/studies/lindsay-2008", k.curator, jsonType, s, "If-Match", `"stale"`)
	wantStatus(t, code, body, http.StatusPreconditionFailed, "")
	code, h, body := k.do(http.MethodPut, "/api/v1/studies/lindsay-2008", k.curator, jsonType, s, "If-Match", etag)
	wantStatus(t, code, body, http.StatusOK, "")
	if h.Get("ETag") == etag {
		t.Error("the ETag did not change with the record")
	}
	// the first ETag is stale now: a second curator who read before is refused
	s.Title = "Another title"
	code, _, body = k.do(http.MethodPut, "/api/v1/studies/lindsay-2008", k.curator, jsonType, s, "If-Match", etag)
	wantStatus(t, code, body, http.StatusPreconditionFailed, "")
	// the path decides the record; the body may not rename it
	s.ID = "lindsay-2008-b"
	code, _, body = k.do(http.MethodPut, "/api/v1/studies/lindsay-2008", k.curator, jsonType, s, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusUnprocessableEntity, "id")
	code, _, body = k.do(http.MethodPut, "/api/v1/studies/no-such-study", k.curator, jsonType, newStudy("no-such-study"), "If-Match", "*")
	wantStatus(t, code, body, http.StatusNotFound, "")
	// a conditional GET with the current ETag is 304
	_, current := k.study("lindsay-2008")
	if code, _, _ := k.do(http.MethodGet, "/api/v1/studies/lindsay-2008", "", "", nil, "If-None-Match", current); code != http.StatusNotModified {
		t.Errorf("GET with the current ETag = %d; want 304", code)
	}
}

func TestMergePatch(t *testing.T) {
	k := newCuration(t)
	before, etag := k.study("goodall-2011")
	if before.URL == nil {
		t.Fatal("goodall-2011 has no url to remove")
	}
	code, h, body := k.do(http.MethodPatch, "/api/v1/studies/goodall-2011", k.curator, patchType,
		`{"url": null, "key_findings": ["Groups the evidence into three kinds of intervention."]}`, "If-Match", etag)
	wantStatus(t, code, body, http.StatusOK, "")
	after, _ := k.study("goodall-2011")
	if after.URL != nil || len(after.KeyFindings) != 1 || after.Title != before.Title || !slices.Equal(after.Themes, before.Themes) {
		t.Errorf("after the patch: url %v, findings %v, title %q, themes %v", after.URL, after.KeyFindings, after.Title, after.Themes)
	}
	// null on a required field removes it, and the record then fails validation
	code, _, body = k.do(http.MethodPatch, "/api/v1/studies/goodall-2011", k.curator, patchType, `{"title": null}`, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusUnprocessableEntity, "title")
	// a merge patch must say it is one
	code, _, body = k.do(http.MethodPatch, "/api/v1/studies/goodall-2011", k.curator, jsonType, `{"title": "x"}`, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusUnsupportedMediaType, "Content-Type")
}

func TestIdempotentCreate(t *testing.T) {
	k := newCuration(t)
	s := newStudy("okafor-2013")
	key := "3f9c2a6e-4d1b-4c55-9a61-0b7f4e1d2c3a"
	code, first, body := k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, s, "Idempotency-Key", key)
	wantStatus(t, code, body, http.StatusCreated, "")
	code, again, body := k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, s, "Idempotency-Key", key)
	wantStatus(t, code, body, http.StatusCreated, "")
	if again.Get("Location") != first.Get("Location") || again.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry: Location %q (first %q), Idempotent-Replayed %q", again.Get("Location"), first.Get("Location"), again.Get("Idempotent-Replayed"))
	}
	entries, total, err := k.st.Audit(t.Context(), store.AuditQuery{Kind: models.KindStudy, RecordID: s.ID, Page: 1, PerPage: 10})
	if err != nil || total != 1 || entries[0].Operation != models.OpCreate {
		t.Errorf("the retry was audited as a change: %d entries, %v", total, err)
	}
	s.Title = "Another body under the same key"
	code, _, body = k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, s, "Idempotency-Key", key)
	wantStatus(t, code, body, http.StatusUnprocessableEntity, "Idempotency-Key")
}

func TestDeleteRefusesDanglingLinksUnlessUnlinked(t *testing.T) {
	k := newCuration(t)
	// lindsay-2013 is cited by evidence items of several interventions
	_, etag := k.study("lindsay-2013")
	code, _, body := k.do(http.MethodDelete, "/api/v1/studies/lindsay-2013", k.curator, "", nil)
	wantStatus(t, code, body, http.StatusPreconditionRequired, "If-Match")
	code, _, body = k.do(http.MethodDelete, "/api/v1/studies/lindsay-2013", k.curator, "", nil, "If-Match", etag)
	wantStatus(t, code, body, http.StatusConflict, "")
	if !strings.Contains(string(body), "evidence[") {
		t.Errorf("the 409 does not name the references: %s", body)
	}
	code, _, body = k.do(http.MethodDelete, "/api/v1/studies/lindsay-2013?unlink=true", k.curator, "", nil, "If-Match", etag)
	wantStatus(t, code, body, http.StatusNoContent, "")
	if code, _, _ := k.do(http.MethodGet, "/api/v1/studies/lindsay-2013", "", "", nil); code != http.StatusNotFound {
		t.Errorf("GET the deleted study = %d", code)
	}
	// the evidence keeps its findings without the link, and that change is audited too
	fast, _ := k.intervention("fast")
	for _, e := range fast.Evidence {
		if e.StudyID != nil && *e.StudyID == "lindsay-2013" {
			t.Error("FAST's evidence still cites the deleted study")
		}
	}
	_, total, err := k.st.Audit(t.Context(), store.AuditQuery{Kind: models.KindIntervention, RecordID: "fast", Page: 1, PerPage: 10})
	if err != nil || total != 1 {
		t.Errorf("unlinking FAST was audited %d times (%v); want once", total, err)
	}
	// its history outlives it
	code, _, body = k.do(http.MethodGet, "/api/v1/studies/lindsay-2013/history", "", "", nil)
	wantStatus(t, code, body, http.StatusOK, "")
	code, _, body = k.do(http.MethodGet, "/api/v1/studies/never-was-2010/history", "", "", nil)
	wantStatus(t, code, body, http.StatusNotFound, "")
}

func TestAuditRecordsEveryChange(t *testing.T) {
	k := newCuration(t)
	s := newStudy("okafor-2014")
	code, h, body := k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, s, "X-Request-ID", "req-create-1")
	wantStatus(t, code, body, http.StatusCreated, "")
	s.Year = 2014
	code, h, body = k.do(http.MethodPut, "/api/v1/studies/okafor-2014", k.curator, jsonType, s, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusOK, "")
	code, _, body = k.do(http.MethodDelete, "/api/v1/studies/okafor-2014", k.curator, "", nil, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusNoContent, "")

	code, _, body = k.do(http.MethodGet, "/api/v1/studies/okafor-2014/history", "", "", nil)
	wantStatus(t, code, body, http.StatusOK, "")
	var hist api.AuditList
	if err := json.Unmarshal(body, &hist); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, e := range hist.Data {
		ops = append(ops, e.Operation)
		if e.Actor != "carol" || e.Role != models.RoleCurator || e.RequestID == "" {
			t.Errorf("entry %d: actor %q, role %q, request id %q", e.ID, e.Actor, e.Role, e.RequestID)
		}
	}
	if !slices.Equal(ops, []string{"delete", "update", "create"}) || *hist.Meta.Total != 3 {
		t.Fatalf("history = %v (total %v); want delete, update, create", ops, hist.Meta.Total)
	}
	if string(hist.Data[0].After) != "null" || string(hist.Data[2].Before) != "null" || !strings.Contains(string(hist.Data[1].After), `"year":2014`) {
		t.Errorf("before/after documents wrong: %s / %s / %s", hist.Data[0].After, hist.Data[2].Before, hist.Data[1].After)
	}
	if hist.Data[2].RequestID != "req-create-1" {
		t.Errorf("the create's request id = %q", hist.Data[2].RequestID)
	}
	// the admin's log has them too, filterable
	code, _, body = k.do(http.MethodGet, "/api/v1/audit?actor=carol&operation=update&per_page=5", k.admin, "", nil)
	wantStatus(t, code, body, http.StatusOK, "")
	var log api.AuditList
	if err := json.Unmarshal(body, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Data) != 1 || log.Data[0].RecordID != "okafor-2014" {
		t.Errorf("audit?actor=carol&operation=update = %+v", log.Data)
	}
	code, _, body = k.do(http.MethodGet, "/api/v1/audit?operation=rename", k.admin, "", nil)
	wantStatus(t, code, body, http.StatusBadRequest, "operation")
	// the log cannot be changed through the API
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if code, _, _ := k.do(method, "/api/v1/audit", k.admin, jsonType, "{}"); code != http.StatusMethodNotAllowed {
			t.Errorf("%s /api/v1/audit = %d; want 405", method, code)
		}
	}
}

// When a write returns, every read reflects it: detail, search, facets and exports.
func TestReadYourWrites(t *testing.T) {
	k := newCuration(t)
	s, etag := k.study("lindsay-2008")
	versionBefore := k.st.DatasetVersion()
	s.Title = "Parenting programmes and the quokka question"
	s.Themes = []string{"engaging-with-fathers"}
	code, _, body := k.do(http.MethodPut, "/api/v1/studies/lindsay-2008", k.curator, jsonType, s, "If-Match", etag)
	wantStatus(t, code, body, http.StatusOK, "")
	if k.st.DatasetVersion() == versionBefore {
		t.Error("dataset_version did not change with the write")
	}
	_, _, body = k.do(http.MethodGet, "/api/v1/studies?q=quokka", "", "", nil)
	var list api.StudyList
	if err := json.Unmarshal(body, &list); err != nil || len(list.Data) != 1 || list.Data[0].ID != "lindsay-2008" {
		t.Fatalf("search for the new word: %s", body)
	}
	if list.Meta.DatasetVersion != k.st.DatasetVersion() {
		t.Errorf("list meta version %s; store %s", list.Meta.DatasetVersion, k.st.DatasetVersion())
	}
	_, _, body = k.do(http.MethodGet, "/api/v1/studies?filter=id:lindsay-2008&facets=theme", "", "", nil)
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	for _, v := range list.Facets[0].Values {
		if want := v.Value == "engaging-with-fathers"; (v.Count == 1) != want {
			t.Errorf("facet %s counts %d", v.Value, v.Count)
		}
	}
	code, _, body = k.do(http.MethodGet, "/api/v1/studies?q=quokka&format=csv", "", "", nil)
	wantStatus(t, code, body, http.StatusOK, "")
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 2 || !slices.Contains(rows[1], s.Title) {
		t.Errorf("CSV export after the write: %v %v", rows, err)
	}
}

func TestImportDryRunAndApply(t *testing.T) {
	k := newCuration(t)
	_, _, doc := k.do(http.MethodGet, "/api/v1/dataset", "", "", nil)
	d, err := models.ParseDataset(doc)
	if err != nil {
		t.Fatal(err)
	}
	d.Studies[0].Title = "An imported correction"
	removed := d.Studies[len(d.Studies)-1].ID
	d.Studies = d.Studies[:len(d.Studies)-1]
	added := newStudy("okafor-2010")
	d.Studies = append(d.Studies, added)
	for i := range d.Interventions { // nothing may cite the removed study
		d.Interventions[i].Evidence = slices.DeleteFunc(d.Interventions[i].Evidence, func(e models.Evidence) bool { return e.StudyID != nil && *e.StudyID == removed })
	}
	body, err := models.EncodeDataset(d)
	if err != nil {
		t.Fatal(err)
	}
	version := k.st.DatasetVersion()
	code, _, resp := k.do(http.MethodPost, "/api/v1/imports?dry_run=true", k.admin, jsonType, body)
	wantStatus(t, code, resp, http.StatusOK, "")
	var report models.ImportReport
	if err := json.Unmarshal(resp, &report); err != nil {
		t.Fatal(err)
	}
	changed := slices.IndexFunc(report.Changed, func(c models.RecordChange) bool { return c.ID == d.Studies[0].ID })
	if report.Applied || len(report.Added) != 1 || report.Added[0].ID != added.ID || changed < 0 ||
		!slices.Contains(report.Changed[changed].Fields, "title") || !slices.ContainsFunc(report.Removed, func(r models.RecordRef) bool { return r.ID == removed }) {
		t.Fatalf("dry-run report = %s", resp)
	}
	if k.st.DatasetVersion() != version {
		t.Fatal("a dry run changed the store")
	}
	code, _, resp = k.do(http.MethodPost, "/api/v1/imports", k.admin, jsonType, body)
	wantStatus(t, code, resp, http.StatusOK, "")
	if got, _ := k.study(added.ID); got.Title != added.Title {
		t.Error("the imported study is not served")
	}
	if code, _, _ := k.do(http.MethodGet, "/api/v1/studies/"+removed, "", "", nil); code != http.StatusNotFound {
		t.Error("the study the import removed is still served")
	}
	_, total, err := k.st.Audit(t.Context(), store.AuditQuery{Operation: models.OpImport, Page: 1, PerPage: 1})
	if err != nil || total < 3 {
		t.Errorf("the import was audited %d times (%v); want at least 3", total, err)
	}
	// an invalid document changes nothing: 422 with every error, or the same in a dry run's report
	d.Studies[0].Year = 1999
	bad, _ := models.EncodeDataset(d)
	version = k.st.DatasetVersion()
	code, _, resp = k.do(http.MethodPost, "/api/v1/imports", k.admin, jsonType, bad)
	wantStatus(t, code, resp, http.StatusUnprocessableEntity, "studies[0] ("+d.Studies[0].ID+").year")
	code, _, resp = k.do(http.MethodPost, "/api/v1/imports?dry_run=true", k.admin, jsonType, bad)
	wantStatus(t, code, resp, http.StatusOK, "")
	if !strings.Contains(string(resp), ".year") || k.st.DatasetVersion() != version {
		t.Errorf("invalid dry run: %s", resp)
	}
}

func TestVocabularyWrites(t *testing.T) {
	k := newCuration(t)
	theme := models.Theme{Slug: "community-learning", Name: "Community learning", Description: "Learning in community settings.", Provisional: true}
	// admins only
	code, _, body := k.do(http.MethodPut, "/api/v1/themes/community-learning", k.curator, jsonType, theme)
	wantStatus(t, code, body, http.StatusForbidden, "")
	code, h, body := k.do(http.MethodPut, "/api/v1/themes/community-learning", k.admin, jsonType, theme)
	wantStatus(t, code, body, http.StatusCreated, "")
	// the new theme is a filter value and a facet value at once
	code, _, body = k.do(http.MethodGet, "/api/v1/studies?filter=theme:community-learning&facets=theme", "", "", nil)
	wantStatus(t, code, body, http.StatusOK, "")
	if !strings.Contains(string(body), `"label":"Community learning"`) {
		t.Errorf("the new theme is not a facet value: %.300s", body)
	}
	// a change needs the current ETag; a mismatched slug or a bad value is refused
	theme.Name = "Learning in the community"
	code, _, body = k.do(http.MethodPut, "/api/v1/themes/community-learning", k.admin, jsonType, theme)
	wantStatus(t, code, body, http.StatusPreconditionRequired, "If-Match")
	code, h, body = k.do(http.MethodPut, "/api/v1/themes/community-learning", k.admin, jsonType, theme, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusOK, "")
	code, _, body = k.do(http.MethodPut, "/api/v1/themes/other-slug", k.admin, jsonType, theme)
	wantStatus(t, code, body, http.StatusUnprocessableEntity, "slug")
	theme.Name = ""
	code, _, body = k.do(http.MethodPut, "/api/v1/themes/community-learning", k.admin, jsonType, theme, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusUnprocessableEntity, "")
	// a value in use cannot go; an unused one can
	_, strandETag, _ := k.do(http.MethodGet, "/api/v1/strands/information-for-parents", "", "", nil)
	code, _, body = k.do(http.MethodDelete, "/api/v1/strands/information-for-parents", k.admin, "", nil, "If-Match", strandETag.Get("ETag"))
	wantStatus(t, code, body, http.StatusConflict, "")
	code, _, body = k.do(http.MethodDelete, "/api/v1/themes/community-learning", k.admin, "", nil, "If-Match", h.Get("ETag"))
	wantStatus(t, code, body, http.StatusNoContent, "")
	code, _, body = k.do(http.MethodGet, "/api/v1/themes/community-learning", "", "", nil)
	wantStatus(t, code, body, http.StatusNotFound, "")
	entries, total, err := k.st.Audit(t.Context(), store.AuditQuery{Kind: models.KindTheme, RecordID: "community-learning", Page: 1, PerPage: 10})
	if err != nil || total != 3 || entries[0].Operation != models.OpDelete || entries[2].Operation != models.OpCreate {
		t.Errorf("theme audit: %d entries, %v", total, err)
	}
}

// A put that adds a vocabulary value answers 201 with the value's URL in Location, as
// RFC 9110 §9.3.4 asks; one that replaces it answers 200.
func TestVocabularyPutAnswers201ThenReplaces200(t *testing.T) {
	k := newCuration(t)
	for _, v := range []struct {
		path  string
		value func(name string) any
	}{
		{"/api/v1/themes/community-learning", func(name string) any {
			return models.Theme{Slug: "community-learning", Name: name, Description: "Learning in community settings."}
		}},
		{"/api/v1/strands/local-partnerships", func(name string) any {
			return models.Strand{Slug: "local-partnerships", Name: name, Description: "Schools working with local services."}
		}},
		{"/api/v1/disadvantages/young-carers", func(name string) any {
			return models.DisadvantageFocus{Slug: "young-carers", Name: name, Description: "Children who care for a family member."}
		}},
	} {
		t.Run(v.path, func(t *testing.T) {
			code, h, body := k.do(http.MethodPut, v.path, k.admin, jsonType, v.value("First name"))
			wantStatus(t, code, body, http.StatusCreated, "")
			if got := h.Get("Location"); got != v.path {
				t.Errorf("Location = %q; want %q", got, v.path)
			}
			// Location names the value as GET shows it
			_, got, _ := k.do(http.MethodGet, h.Get("Location"), "", "", nil)
			if h.Get("ETag") == "" || got.Get("ETag") != h.Get("ETag") {
				t.Errorf("ETag after create = %q; GET of Location shows %q", h.Get("ETag"), got.Get("ETag"))
			}
			code, h, body = k.do(http.MethodPut, v.path, k.admin, jsonType, v.value("Second name"), "If-Match", h.Get("ETag"))
			wantStatus(t, code, body, http.StatusOK, "")
			if h.Get("Location") != "" {
				t.Errorf("a replace answers with Location %q", h.Get("Location"))
			}
			if !strings.Contains(string(body), `"name":"Second name"`) {
				t.Errorf("the replace does not show the new name: %s", body)
			}
		})
	}
}

// Admins putting the same new value at once (If-Match: *) get one 201, the put that
// created it, and 200s for the rest, which replaced it: the status comes from the write
// itself, not from a look at the value before it.
func TestVocabularyPutsAtOnceCreateOnce(t *testing.T) {
	k := newCuration(t)
	theme := models.Theme{Slug: "community-learning", Name: "Community learning", Description: "Learning in community settings."}
	codes := make([]int, 6)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, _ = k.do(http.MethodPut, "/api/v1/themes/community-learning", k.admin, jsonType, theme, "If-Match", "*")
		}()
	}
	wg.Wait()
	created := 0
	for _, code := range codes {
		switch code {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("a put answered %d", code)
		}
	}
	if created != 1 {
		t.Errorf("statuses %v: want exactly one 201", codes)
	}
}

// Interventions show the study_count they sort by, in lists and details alike.
func TestInterventionsShowStudyCount(t *testing.T) {
	srv := apitest.NewServer(t)
	list := apitest.Decode[struct {
		Data []struct {
			ID         string `json:"id"`
			StudyCount int    `json:"study_count"`
		}
	}](t, apitest.Get(t, srv, "/api/v1/interventions?sort=-study_count,name&per_page=100"))
	for i, iv := range list.Data {
		if i > 0 && iv.StudyCount > list.Data[i-1].StudyCount {
			t.Fatalf("sort=-study_count: %s (%d) after %s (%d)", iv.ID, iv.StudyCount, list.Data[i-1].ID, list.Data[i-1].StudyCount)
		}
		detail := apitest.Decode[struct {
			Data struct {
				StudyCount int `json:"study_count"`
			}
			Related struct{ Studies []json.RawMessage }
		}](t, apitest.Get(t, srv, "/api/v1/interventions/"+iv.ID))
		if detail.Data.StudyCount != iv.StudyCount || len(detail.Related.Studies) != iv.StudyCount {
			t.Errorf("%s: study_count %d in the list, %d in the detail, %d related studies", iv.ID, iv.StudyCount, detail.Data.StudyCount, len(detail.Related.Studies))
		}
	}
	if list.Data[0].StudyCount == 0 {
		t.Error("no intervention has a study")
	}
}

// A list page shows a record as it is now: a write is seen in the lists that held the
// record before it, not only in its detail.
func TestListsShowTheWrittenRecord(t *testing.T) {
	k := newCuration(t)
	list := func() string {
		code, _, body := k.do(http.MethodGet, "/api/v1/studies?filter=id:goodall-2011", "", "", nil)
		if code != http.StatusOK {
			t.Fatalf("list = %d", code)
		}
		return string(body)
	}
	if strings.Contains(list(), "A rewritten title") {
		t.Fatal("the title is there before the write")
	}
	_, etag := k.study("goodall-2011")
	code, _, body := k.do(http.MethodPatch, "/api/v1/studies/goodall-2011", k.curator, patchType,
		`{"title": "A rewritten title"}`, "If-Match", etag)
	wantStatus(t, code, body, http.StatusOK, "")
	if !strings.Contains(list(), "A rewritten title") {
		t.Error("the list page still shows the study as it was before the write")
	}
}

// The whole-dataset download and the exports show a write at once.
func TestDownloadsShowTheWrittenRecord(t *testing.T) {
	k := newCuration(t)
	targets := []string{"/api/v1/dataset", "/api/v1/studies?format=csv&filter=id:goodall-2011", "/api/v1/studies?format=bibtex&filter=id:goodall-2011"}
	for _, target := range targets { // read once before, so that anything memoized is
		if code, _, _ := k.do(http.MethodGet, target, "", "", nil); code != http.StatusOK {
			t.Fatalf("%s = %d", target, code)
		}
	}
	_, etag := k.study("goodall-2011")
	code, _, body := k.do(http.MethodPatch, "/api/v1/studies/goodall-2011", k.curator, patchType,
		`{"title": "A rewritten title"}`, "If-Match", etag)
	wantStatus(t, code, body, http.StatusOK, "")
	for _, target := range targets {
		if _, _, body := k.do(http.MethodGet, target, "", "", nil); !strings.Contains(string(body), "A rewritten title") {
			t.Errorf("%s still shows the study as it was before the write", target)
		}
	}
}
