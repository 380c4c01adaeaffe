package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
	"github.com/evidence-kb/parental-engagement/web"
)

// curationSite is a site over a fresh store of its own (the curators' tests write), with
// a curator's and an admin's tokens.
type curationSite struct {
	st             *store.Store
	url            string
	curator, admin string
}

func newCurationSite(t *testing.T) *curationSite {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DB: storetest.Location(t), Seed: store.EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &curationSite{st: st, url: serveOnly(t, st)}
	if cs.curator, err = st.CreateToken(context.Background(), "cora", models.RoleCurator); err != nil {
		t.Fatal(err)
	}
	if cs.admin, err = st.CreateToken(context.Background(), "ada", models.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	return cs
}

// serveOnly serves the API and the pages over st, as main does, and returns the address.
func serveOnly(t *testing.T, st *store.Store) string {
	t.Helper()
	srv := httptest.NewServer(apitest.Serve(t, st, apitest.Setup{Site: true}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// client is a browser without JavaScript: it keeps cookies and does not follow redirects.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (cs *curationSite) client(t *testing.T) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: cs.url, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// answer is a response with its body read.
type answer struct {
	*http.Response
	body string
	doc  *html.Node
}

func (c *client) do(req *http.Request) answer {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := answer{Response: res, body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && res.StatusCode/100 != 3 {
		if a.doc, err = html.Parse(bytes.NewReader(b)); err != nil {
			c.t.Fatal(err)
		}
		checkStructure(c.t, req.Method+" "+req.URL.Path, a.doc)
	}
	return a
}

func (c *client) get(path string, header ...string) answer {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// post sends a form as a browser on this site does: same-origin Fetch Metadata, unless
// headers say otherwise.
func (c *client) post(path string, form url.Values, header ...string) answer {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// signedIn is a client signed in with token.
func (cs *curationSite) signedIn(t *testing.T, token string) *client {
	t.Helper()
	c := cs.client(t)
	c.signIn(token)
	return c
}

func (c *client) signIn(token string) answer {
	c.t.Helper()
	a := c.post("/sign-in", url.Values{"token": {token}, "next": {"/studies/mol-2008"}})
	if a.StatusCode != http.StatusSeeOther || a.Header.Get("Location") != "/studies/mol-2008" {
		c.t.Fatalf("sign in: %d, Location %q\n%.500s", a.StatusCode, a.Header.Get("Location"), a.body)
	}
	return a
}

// formOf reads a page's form (the one whose action is action) as the browser would send
// it: every named input, text area, ticked box and chosen option.
func formOf(t *testing.T, doc *html.Node, action string) url.Values {
	t.Helper()
	form := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Form && attr(n, "action") == action })
	if form == nil {
		t.Fatalf("no form posting to %s", action)
	}
	v := url.Values{}
	for _, n := range findAll(form, func(n *html.Node) bool {
		return n.DataAtom == atom.Input || n.DataAtom == atom.Textarea || n.DataAtom == atom.Select
	}) {
		name := attr(n, "name")
		switch {
		case name == "":
		case n.DataAtom == atom.Textarea:
			v.Add(name, textContent(n))
		case n.DataAtom == atom.Select:
			for _, o := range findAll(n, byAtom(atom.Option)) {
				if attrSet(o, "selected") {
					v.Add(name, attr(o, "value"))
				}
			}
		case attr(n, "type") == "checkbox":
			if attrSet(n, "checked") {
				v.Add(name, attr(n, "value"))
			}
		case attr(n, "type") == "submit", attr(n, "type") == "file":
		default:
			v.Add(name, attr(n, "value"))
		}
	}
	return v
}

// formAt opens page, which must answer 200, and reads its form whose action is action.
func (c *client) formAt(page, action string) url.Values {
	c.t.Helper()
	a := c.get(page)
	wantStatus(c.t, a, http.StatusOK, page)
	return formOf(c.t, a.doc, action)
}

// attrSet tells whether an element has the attribute (a boolean one: checked, selected).
func attrSet(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// textContent is a node's text as it is (a text area's value), not squeezed.
func textContent(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func study(t *testing.T, st *store.Store, id string) models.Study {
	t.Helper()
	d, err := st.Catalog().Study(id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Study
}

func wantStatus(t *testing.T, a answer, want int, what string) {
	t.Helper()
	if a.StatusCode != want {
		main := ""
		if a.doc != nil {
			main = text(find(a.doc, byID("main")))
		}
		t.Fatalf("%s: %d; want %d\n%.800s", what, a.StatusCode, want, main)
	}
}

// A form posted from another site is refused with 403 before anything else runs, and
// changes nothing: not a record, not a session, not a sign-in.
func TestCrossSiteFormPostIsRefused(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.curator)
	form := c.formAt("/studies/mol-2008/edit", "/studies/mol-2008/edit")
	before := study(t, cs.st, "mol-2008")
	form.Set("summary", before.Summary+" Changed from elsewhere.")
	_, total, _ := cs.st.AuditLog(context.Background(), "", "", "", "", time.Time{}, time.Time{}, 1, 1)

	crossSite := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
	for path, f := range map[string]url.Values{
		"/studies/mol-2008/edit":   form,
		"/studies/mol-2008/delete": {"etag": form["etag"], "confirm": {"1"}, "unlink": {"1"}},
		"/sign-out":                {},
		"/sign-in":                 {"token": {cs.admin}},
		"/vocabularies":            {"kind": {"theme"}, "new": {"1"}, "slug": {"evil"}, "name": {"Evil"}, "description": {"Evil."}},
	} {
		a := c.post(path, f, crossSite...)
		wantStatus(t, a, http.StatusForbidden, "a cross-site POST to "+path)
		if !strings.Contains(a.body, "came from another site") || a.Header.Get("Set-Cookie") != "" {
			t.Errorf("POST %s from another site: the refusal does not say why, or sets a cookie", path)
		}
	}
	// a foreign Origin alone (an older browser without Fetch Metadata) is refused too
	a := c.post("/studies/mol-2008/edit", form, "Origin", "https://evil.example", "Sec-Fetch-Site", "")
	wantStatus(t, a, http.StatusForbidden, "a POST with a foreign Origin")

	if after := study(t, cs.st, "mol-2008"); after.Summary != before.Summary {
		t.Error("a cross-site POST changed the study")
	}
	if _, n, _ := cs.st.AuditLog(context.Background(), "", "", "", "", time.Time{}, time.Time{}, 1, 1); n != total {
		t.Errorf("the audit log grew from %d to %d entries", total, n)
	}
	// the session survived the cross-site sign-out, and no admin session was made
	if a := c.get("/studies/mol-2008/edit"); a.StatusCode != http.StatusOK {
		t.Errorf("after a cross-site sign-out the edit page answers %d", a.StatusCode)
	}
	if a := c.get("/audit"); a.StatusCode != http.StatusForbidden {
		t.Errorf("after a cross-site sign-in as an admin, /audit answers %d; want 403 (still the curator)", a.StatusCode)
	}
	// the same form from the site itself is saved
	a = c.post("/studies/mol-2008/edit", form)
	wantStatus(t, a, http.StatusSeeOther, "the same POST from the site")
}

// The session cookie is HttpOnly and SameSite=Lax, on /, with no Domain; over TLS it is
// Secure and takes the __Host- prefix. Signing out deletes it.
func TestSessionCookieFlags(t *testing.T) {
	cs := newCurationSite(t)
	for _, tls := range []bool{false, true} {
		c := cs.client(t)
		var header []string
		wantName := "kb_session"
		if tls {
			header, wantName = []string{"X-Forwarded-Proto", "https"}, "__Host-kb_session"
		}
		a := c.post("/sign-in", url.Values{"token": {cs.curator}}, header...)
		wantStatus(t, a, http.StatusSeeOther, "sign in")
		var session *http.Cookie
		for _, ck := range a.Cookies() {
			if ck.Name == wantName {
				session = ck
			}
		}
		if session == nil {
			t.Fatalf("TLS %v: no %s cookie in %q", tls, wantName, a.Header.Values("Set-Cookie"))
		}
		raw := strings.Join(a.Header.Values("Set-Cookie"), "\n")
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Domain != "" ||
			session.Secure != tls || session.MaxAge != int((12*time.Hour).Seconds()) {
			t.Errorf("TLS %v: cookie %s", tls, raw)
		}
		if !strings.HasPrefix(session.Value, store.SessionPrefix) || strings.Contains(raw, cs.curator) {
			t.Errorf("TLS %v: the cookie does not carry a session id, or carries the token: %s", tls, raw)
		}
		req, _ := http.NewRequest(http.MethodPost, cs.url+"/sign-out", nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(session)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		signOut := c.do(req)
		wantStatus(t, signOut, http.StatusSeeOther, "sign out")
		cleared := false
		for _, ck := range signOut.Cookies() {
			cleared = cleared || ck.Name == wantName && ck.MaxAge < 0
		}
		if !cleared {
			t.Errorf("TLS %v: signing out did not delete the cookie: %q", tls, signOut.Header.Values("Set-Cookie"))
		}
		if _, err := cs.st.Session(context.Background(), session.Value, time.Hour); err == nil {
			t.Errorf("TLS %v: the session outlived signing out", tls)
		}
	}
}

// A curator reaching an admin page gets a 403 page, and an admin the page.
func TestCuratorCannotReachAdminPages(t *testing.T) {
	cs := newCurationSite(t)
	curator, admin, anon := cs.client(t), cs.client(t), cs.client(t)
	curator.signIn(cs.curator)
	admin.signIn(cs.admin)
	for _, p := range []string{"/vocabularies", "/audit", "/import", "/vocabularies?kind=theme&slug=parenting-support"} {
		a := curator.get(p)
		wantStatus(t, a, http.StatusForbidden, "a curator at "+p)
		if h1 := text(find(a.doc, byAtom(atom.H1))); h1 != "This page is for admins" || a.Header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("a curator at %s: %q, Cache-Control %q", p, h1, a.Header.Get("Cache-Control"))
		}
		wantStatus(t, admin.get(p), http.StatusOK, "an admin at "+p)
		if a := anon.get(p); a.StatusCode != http.StatusSeeOther || !strings.HasPrefix(a.Header.Get("Location"), "/sign-in?next=") {
			t.Errorf("a reader without a session at %s: %d %s; want a redirect to sign in", p, a.StatusCode, a.Header.Get("Location"))
		}
	}
	a := curator.post("/vocabularies", url.Values{"kind": {"theme"}, "new": {"1"}, "slug": {"x"}, "name": {"X"}, "description": {"X."}})
	wantStatus(t, a, http.StatusForbidden, "a curator posting a vocabulary change")
	if _, _, ok := cs.st.Catalog().VocabularyItem("theme", "x"); ok {
		t.Error("a curator added a theme")
	}
}

// Public pages stay cacheable for readers without a session, as before; a signed-in
// curator's copy (with its Edit link) is private, stored by no cache, and never answered
// from a reader's validator. Every page says Vary: Cookie.
func TestSignedInViewsAreNeverShared(t *testing.T) {
	cs := newCurationSite(t)
	anon, cur := cs.client(t), cs.client(t)
	cur.signIn(cs.curator)
	for _, p := range []string{"/studies/mol-2008", "/interventions/triple-p", "/studies?q=fathers", "/"} {
		a := anon.get(p)
		wantStatus(t, a, http.StatusOK, "a reader at "+p)
		etag := a.Header.Get("ETag")
		if a.Header.Get("Cache-Control") != "public, max-age=300" || etag == "" || !strings.Contains(a.Header.Get("Vary"), "Cookie") {
			t.Errorf("a reader at %s: Cache-Control %q, ETag %q, Vary %q", p, a.Header.Get("Cache-Control"), etag, a.Header.Get("Vary"))
		}
		if strings.Contains(a.body, "Signed in as") || strings.Contains(a.body, "/edit\"") {
			t.Errorf("a reader at %s sees the curator's bar", p)
		}
		if a := anon.get(p, "If-None-Match", etag); a.StatusCode != http.StatusNotModified {
			t.Errorf("a reader revalidating %s: %d; want 304", p, a.StatusCode)
		}
		s := cur.get(p, "If-None-Match", etag)
		wantStatus(t, s, http.StatusOK, "a curator revalidating a reader's copy of "+p)
		if s.Header.Get("Cache-Control") != "private, no-store" || s.Header.Get("ETag") != "" || !strings.Contains(s.Header.Get("Vary"), "Cookie") {
			t.Errorf("a curator at %s: Cache-Control %q, ETag %q, Vary %q", p, s.Header.Get("Cache-Control"), s.Header.Get("ETag"), s.Header.Get("Vary"))
		}
		if !strings.Contains(s.body, "Signed in as") {
			t.Errorf("a curator at %s does not see the curator's bar", p)
		}
	}
	for p, edit := range map[string]string{"/studies/mol-2008": "/studies/mol-2008/edit", "/interventions/triple-p": "/interventions/triple-p/edit"} {
		links := hrefs(cur.get(p).doc, byClass("curator-edit"))
		if len(links) != 1 || links[0] != edit {
			t.Errorf("a curator at %s: Edit links %v; want %s", p, links, edit)
		}
	}
	// every curators' page is private and never stored
	for _, p := range []string{"/sign-in", "/sign-out", "/studies/new", "/studies/mol-2008/edit", "/studies/mol-2008/history",
		"/interventions/new", "/interventions/triple-p/edit", "/interventions/triple-p/history"} {
		a := cur.get(p)
		wantStatus(t, a, http.StatusOK, "a curator at "+p)
		if a.Header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("%s: Cache-Control %q", p, a.Header.Get("Cache-Control"))
		}
	}
}

// A study corrected through its form is saved through the API's own write: the public
// page and search show it at once, the history shows the diff, and the audit log records
// it as it records an API change, under the token's name.
func TestEditStudyThroughTheForm(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.curator)
	before := study(t, cs.st, "mol-2008")
	form := c.formAt("/studies/mol-2008/edit", "/studies/mol-2008/edit")
	if form.Get("year") != "2008" || form.Get("summary") != before.Summary || len(form["themes"]) != len(before.Themes) {
		t.Fatalf("the form does not hold the study: %v", form)
	}
	summary := before.Summary + " Zygomorphic readers were also observed."
	form.Set("summary", summary)
	a := c.post("/studies/mol-2008/edit", form)
	wantStatus(t, a, http.StatusSeeOther, "save")
	if loc := a.Header.Get("Location"); loc != "/studies/mol-2008" {
		t.Fatalf("saved, then sent to %s", loc)
	}
	after := study(t, cs.st, "mol-2008")
	if after.Summary != summary {
		t.Fatalf("the summary is %q", after.Summary)
	}
	after.Summary = before.Summary
	if !jsonEqual(t, after, before) {
		t.Errorf("saving the form changed more than the summary:\nbefore %+v\nafter  %+v", before, after)
	}
	pageA := c.get("/studies/mol-2008")
	if !strings.Contains(pageA.body, "Zygomorphic readers") || !strings.Contains(pageA.body, "has been saved") {
		t.Error("the public page does not show the change, or the confirmation")
	}
	if !strings.Contains(c.get("/studies?q=zygomorphic").body, "/studies/mol-2008") {
		t.Error("search does not find the new words")
	}
	entries, total, _ := cs.st.AuditLog(context.Background(), models.KindStudy, "mol-2008", "", "", time.Time{}, time.Time{}, 1, 5)
	if total != 1 {
		t.Fatalf("%d audit entries; want 1", total)
	}
	e := entries[0]
	if e.Actor != "cora" || e.Role != models.RoleCurator || e.Operation != models.OpUpdate || e.RequestID != a.Header.Get(httpio.RequestIDHeader) || e.RequestID == "" {
		t.Errorf("audit entry: %+v; request id %q", e, a.Header.Get(httpio.RequestIDHeader))
	}
	// the entry's documents are the record before and after, as the API's entries are
	var was, is models.Study
	_ = json.Unmarshal(e.Before, &was)
	_ = json.Unmarshal(e.After, &is)
	if !jsonEqual(t, was, before) || is.Summary != summary {
		t.Error("the audit entry's documents are not the record before and after")
	}
	h := c.get("/studies/mol-2008/history")
	wantStatus(t, h, http.StatusOK, "history")
	ins := text(find(h.doc, func(n *html.Node) bool { return n.DataAtom == atom.Ins }))
	if !strings.Contains(ins, "Zygomorphic readers were also observed.") || !strings.Contains(text(h.doc), "Changed by cora (curator)") {
		t.Errorf("the history does not show the change as a diff: %q", ins)
	}
	// creating and deleting through the pages
	nf := c.formAt("/studies/new", "/studies/new")
	nf.Set("id", "pages-study-2012")
	for k, v := range map[string]string{"title": "A study added in the browser", "authors": "Smith, J.\r\nJones, K.", "year": "2012",
		"type": "journal-article", "summary": strings.Repeat("Parents read with their children at home. ", 10),
		"verified_in": "https://example.org/source"} {
		nf.Set(k, v)
	}
	nf["themes"] = []string{before.Themes[0]}
	a = c.post("/studies/new", nf)
	wantStatus(t, a, http.StatusSeeOther, "add a study")
	added := study(t, cs.st, "pages-study-2012")
	if len(added.Authors) != 2 || added.Authors[1] != "Jones, K." || added.Venue != nil || added.Year != 2012 {
		t.Errorf("the added study: %+v", added)
	}
	df := c.formAt("/studies/pages-study-2012/edit", "/studies/pages-study-2012/delete")
	wantStatus(t, c.post("/studies/pages-study-2012/delete", df), http.StatusUnprocessableEntity, "delete without confirming")
	df.Set("confirm", "1")
	wantStatus(t, c.post("/studies/pages-study-2012/delete", df), http.StatusSeeOther, "delete")
	if _, err := cs.st.Catalog().Study("pages-study-2012"); err == nil {
		t.Error("the study was not deleted")
	}
	if h := c.get("/studies/pages-study-2012/history"); h.StatusCode != http.StatusOK || !strings.Contains(text(h.doc), "Deleted by cora") {
		t.Errorf("a deleted study's history: %d", h.StatusCode)
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// A bad year is refused by the API's own decoding and checks: the error is beside the
// field, and the form keeps what was typed.
func TestBadYearShowsTheFieldErrorAndKeepsTheText(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.curator)
	form := c.formAt("/studies/mol-2008/edit", "/studies/mol-2008/edit")
	summary := form.Get("summary") + " Kept while the year is wrong."
	form.Set("summary", summary)
	for typed, want := range map[string]string{"20x4": "Must be a whole number", "2020": "2020 is outside the review window 2008–2014"} {
		form.Set("year", typed)
		a := c.post("/studies/mol-2008/edit", form)
		wantStatus(t, a, http.StatusUnprocessableEntity, "year "+typed)
		if got := attr(find(a.doc, byID("f-year")), "value"); got != typed {
			t.Errorf("year %q: the field holds %q", typed, got)
		}
		if got := text(find(a.doc, byID("f-year-error"))); !strings.Contains(got, want) {
			t.Errorf("year %q: the error beside it says %q; want %q", typed, got, want)
		}
		if attr(find(a.doc, byID("f-year")), "aria-invalid") != "true" || !strings.Contains(attr(find(a.doc, byID("f-year")), "aria-describedby"), "f-year-error") {
			t.Errorf("year %q: the field is not marked invalid, or not tied to its error", typed)
		}
		if got := textContent(find(a.doc, byID("f-summary"))); got != summary {
			t.Errorf("year %q: the summary is not kept as typed: %q", typed, got)
		}
		if links := hrefs(a.doc, func(n *html.Node) bool { return n.Parent != nil && n.Parent.DataAtom == atom.Li }); !slices.Contains(links, "#f-year") {
			t.Errorf("year %q: the error summary does not link to the field: %v", typed, links)
		}
	}
	if study(t, cs.st, "mol-2008").Year != 2008 {
		t.Error("a bad year was saved")
	}
}

// A form opened before someone else changed the record is not saved over their change: the
// page says so (412), shows their change, and keeps what was typed, taking in their change
// to the fields the curator left alone.
func TestStaleFormShowsTheConflict(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.curator)
	form := c.formAt("/studies/mol-2008/edit", "/studies/mol-2008/edit")
	// someone else changes the title and the summary meanwhile
	other := cs.signedIn(t, cs.admin)
	theirs := other.formAt("/studies/mol-2008/edit", "/studies/mol-2008/edit")
	theirs.Set("title", "A title someone else corrected")
	theirs.Set("summary", theirs.Get("summary")+" Their sentence.")
	wantStatus(t, other.post("/studies/mol-2008/edit", theirs), http.StatusSeeOther, "their change")

	mine := form.Get("summary") + " My sentence."
	form.Set("summary", mine)
	a := c.post("/studies/mol-2008/edit", form)
	wantStatus(t, a, http.StatusPreconditionFailed, "a stale form")
	if !strings.Contains(text(find(a.doc, byClass("conflict"))), "Someone else changed this study") ||
		!strings.Contains(text(find(a.doc, byClass("conflict"))), "A title someone else corrected") {
		t.Errorf("the conflict is not shown: %.600s", text(find(a.doc, byClass("conflict"))))
	}
	if got := textContent(find(a.doc, byID("f-summary"))); got != mine {
		t.Errorf("the summary typed is lost: %q", got)
	}
	if got := text(find(a.doc, byID("f-summary-theirs"))); !strings.Contains(got, "Their sentence.") {
		t.Errorf("their summary is not beside mine: %q", got)
	}
	if got := attr(find(a.doc, byID("f-title")), "value"); got != "A title someone else corrected" {
		t.Errorf("their title, a field I left alone, is not taken in: %q", got)
	}
	if st := study(t, cs.st, "mol-2008"); st.Title != "A title someone else corrected" || strings.Contains(st.Summary, "My sentence") {
		t.Error("the stale form was saved")
	}
	// saving again, having seen it, saves both
	again := formOf(t, a.doc, "/studies/mol-2008/edit")
	wantStatus(t, c.post("/studies/mol-2008/edit", again), http.StatusSeeOther, "saving after the conflict")
	if st := study(t, cs.st, "mol-2008"); st.Title != "A title someone else corrected" || !strings.HasSuffix(st.Summary, "My sentence.") {
		t.Errorf("after the conflict: %q, %q", st.Title, st.Summary)
	}
}

// A revoked token's sessions are refused at once: its edit pages ask to sign in again, and
// its public pages are a reader's.
func TestRevokedTokenSessionIsRefused(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.curator)
	form := c.formAt("/studies/mol-2008/edit", "/studies/mol-2008/edit") // opens before revocation
	if err := cs.st.RevokeToken(context.Background(), "cora"); err != nil {
		t.Fatal(err)
	}
	form.Set("summary", form.Get("summary")+" Typed before the revocation.")
	a := c.post("/studies/mol-2008/edit", form)
	wantStatus(t, a, http.StatusUnauthorized, "a save after revocation")
	if got := textContent(find(a.doc, byID("f-summary"))); got != form.Get("summary") {
		t.Error("what was typed is lost")
	}
	if strings.Contains(study(t, cs.st, "mol-2008").Summary, "Typed before") {
		t.Error("a revoked token's session saved a change")
	}
	if a := c.get("/studies/mol-2008/edit"); a.StatusCode != http.StatusSeeOther {
		t.Errorf("after revocation the edit page answers %d; want a redirect to sign in", a.StatusCode)
	}
	if a := c.get("/studies/mol-2008"); strings.Contains(a.body, "Signed in as") {
		t.Error("after revocation the public page still shows the curator's bar")
	}
	if a := c.post("/sign-in", url.Values{"token": {cs.curator}}); a.StatusCode != http.StatusUnauthorized {
		t.Errorf("signing in with a revoked token: %d", a.StatusCode)
	}
}

// Sessions live in the store: a session opened on one replica works on another, and
// signing out on either ends it on both. On PostgreSQL when KB_TEST_PG_DSN names a server
// (as .ci/run sets it), else on one SQLite file two stores share.
func TestSessionsWorkAcrossReplicas(t *testing.T) {
	backends := []string{"sqlite"}
	if os.Getenv(storetest.DSNVar) != "" {
		backends = append(backends, "postgres")
	}
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			if backend == "postgres" {
				t.Setenv("KB_TEST_BACKEND", "postgres") // storetest's second pass: a PostgreSQL database of this test's own
			}
			loc := storetest.Location(t)
			open := func() *store.Store {
				st, err := store.Open(context.Background(), store.Options{DB: loc, Seed: store.EmbeddedSeed()})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			a := &curationSite{st: open()}
			a.url = serveOnly(t, a.st)
			var err error
			if a.curator, err = a.st.CreateToken(context.Background(), "cora", models.RoleCurator); err != nil {
				t.Fatal(err)
			}
			b := &curationSite{url: serveOnly(t, open())}
			ca := a.signedIn(t, a.curator)
			cb := b.client(t)
			u, _ := url.Parse(a.url)
			ub, _ := url.Parse(b.url)
			cb.http.Jar.SetCookies(ub, ca.http.Jar.Cookies(u)) // the load balancer sends the next request elsewhere
			edit := cb.get("/studies/mol-2008/edit")
			wantStatus(t, edit, http.StatusOK, "replica b, with replica a's session")
			if !strings.Contains(edit.body, "Signed in as <strong>cora</strong>") {
				t.Error("replica b does not know who holds the session")
			}
			wantStatus(t, cb.post("/sign-out", nil), http.StatusSeeOther, "sign out on b")
			if got := ca.get("/studies/mol-2008/edit"); got.StatusCode != http.StatusSeeOther {
				t.Errorf("replica a after signing out on b: %d; want a redirect to sign in", got.StatusCode)
			}
		})
	}
}

// Deleting a record others refer to is refused, naming each reference, unless the curator
// chooses to remove them too: then each referring record is changed and audited.
func TestDeleteOffersTheUnlinkChoice(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.curator)
	page := c.get("/interventions/triple-p/edit")
	refs := findAll(find(page.doc, byID("delete")), byAtom(atom.Li))
	if len(refs) == 0 {
		t.Fatal("Triple P's edit page names no study that refers to it")
	}
	form := formOf(t, page.doc, "/interventions/triple-p/delete")
	form.Set("confirm", "1")
	a := c.post("/interventions/triple-p/delete", form)
	wantStatus(t, a, http.StatusConflict, "delete without unlinking")
	if !strings.Contains(text(find(a.doc, byID("delete"))), "Other records refer to this intervention") {
		t.Error("the refusal does not say why")
	}
	form.Set("unlink", "1")
	wantStatus(t, c.post("/interventions/triple-p/delete", form), http.StatusSeeOther, "delete, unlinking")
	if _, err := cs.st.Catalog().Intervention("triple-p"); err == nil {
		t.Fatal("not deleted")
	}
	_, n, _ := cs.st.AuditLog(context.Background(), models.KindStudy, "", "cora", models.OpUpdate, time.Time{}, time.Time{}, 1, 1)
	if n != len(refs) {
		t.Errorf("%d studies were audited as unlinked; %d referred to it", n, len(refs))
	}
}

// An intervention's evidence items are edited in the same form, without JavaScript: a
// button adds an empty item (saving nothing), a box removes one.
func TestInterventionEvidenceItems(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.curator)
	d, _ := cs.st.Catalog().Intervention("triple-p")
	n := len(d.Intervention.Evidence)
	form := c.formAt("/interventions/triple-p/edit", "/interventions/triple-p/edit")
	form.Set("action", "add-evidence")
	a := c.post("/interventions/triple-p/edit", form)
	wantStatus(t, a, http.StatusOK, "add an evidence item")
	form = formOf(t, a.doc, "/interventions/triple-p/edit")
	if form.Get("evidence-count") != strconv.Itoa(n+1) {
		t.Fatalf("evidence-count %s; want %d", form.Get("evidence-count"), n+1)
	}
	item := func(f string) string { return "evidence-" + strconv.Itoa(n) + "-" + f }
	form.Set(item("finding"), "Parents in a new trial reported fewer behaviour problems.")
	form.Set(item("kind"), "impact")
	form.Set(item("result"), "not-reported")
	form.Set(item("window"), "in")
	form.Set(item("study_id"), "no-such-study")
	form.Set("evidence-0-remove", "1")
	form.Set("action", "save")
	a = c.post("/interventions/triple-p/edit", form)
	wantStatus(t, a, http.StatusUnprocessableEntity, "an item naming no study")
	if got := text(find(a.doc, byID("f-"+item("study_id")+"-error"))); !strings.Contains(got, `no study with id "no-such-study"`) {
		t.Errorf("the study error is not beside the item's field: %q", got)
	}
	form = formOf(t, a.doc, "/interventions/triple-p/edit")
	if form.Get("evidence-0-remove") == "" {
		t.Error("the ticked remove box was not kept")
	}
	form.Set(item("study_id"), "")
	wantStatus(t, c.post("/interventions/triple-p/edit", form), http.StatusSeeOther, "save the items")
	d, _ = cs.st.Catalog().Intervention("triple-p")
	ev := d.Intervention.Evidence
	if len(ev) != n || ev[n-1].Finding != "Parents in a new trial reported fewer behaviour problems." || ev[n-1].StudyID != nil {
		t.Errorf("evidence after saving: %d items, last %+v", len(ev), ev[len(ev)-1])
	}
}

// A curator's page refuses an option it does not have, naming it, as a public page does.
func TestCurationPagesRefuseUnknownOptions(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.admin)
	for _, p := range []string{"/audit?actor=ada&colour=red", "/vocabularies?kind=theme&colour=red", "/studies/mol-2008/history?page=1&colour=red"} {
		a := c.get(p)
		wantStatus(t, a, http.StatusBadRequest, p)
		if got := text(find(a.doc, byID("main"))); !strings.Contains(got, "Colour: is not an option of this page") {
			t.Errorf("%s says %.300q; want it to name the option", p, got)
		}
	}
}

// The admins' pages change the vocabularies and import through the store's own writes.
func TestAdminPages(t *testing.T) {
	cs := newCurationSite(t)
	c := cs.signedIn(t, cs.admin)
	form := c.formAt("/vocabularies?kind=theme&slug=parenting-support", "/vocabularies")
	form.Set("action", "save")
	form.Set("name", "Parenting support (renamed)")
	wantStatus(t, c.post("/vocabularies", form), http.StatusSeeOther, "rename a theme")
	if item, _, _ := cs.st.Catalog().VocabularyItem("theme", "parenting-support"); item.(models.Theme).Name != "Parenting support (renamed)" {
		t.Error("the theme was not renamed")
	}
	form.Set("name", "")
	a := c.post("/vocabularies", form)
	wantStatus(t, a, http.StatusPreconditionFailed, "a stale theme form")
	// deleting a theme records carry is refused
	del := url.Values{"kind": {"theme"}, "slug": {"parenting-support"}, "action": {"delete"}, "confirm": {"1"}}
	_, etag, _ := cs.st.Catalog().VocabularyItem("theme", "parenting-support")
	del.Set("etag", etag)
	wantStatus(t, c.post("/vocabularies", del), http.StatusConflict, "delete a theme in use")

	audit := c.get("/audit?actor=ada&kind=theme")
	wantStatus(t, audit, http.StatusOK, "the audit page")
	if !strings.Contains(text(audit.doc), "Parenting support (renamed)") || !strings.Contains(text(audit.doc), "1 change match") {
		t.Errorf("the audit page does not show the rename: %.400s", text(find(audit.doc, byID("main"))))
	}
	wantStatus(t, c.get("/audit?from=yesterday"), http.StatusBadRequest, "a bad date")

	// import: the dataset with one study's title changed; a dry run, then apply
	var doc map[string]any
	raw, err := cs.st.DatasetDocument(cs.st.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(raw, &doc)
	doc["studies"].([]any)[0].(map[string]any)["title"] = "Imported title"
	changed, _ := json.Marshal(doc)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("document", "batch.json")
	fw.Write(changed)
	mw.WriteField("action", "dry-run")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, cs.url+"/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	dry := c.do(req)
	wantStatus(t, dry, http.StatusOK, "a dry run")
	if !strings.Contains(text(dry.doc), "What the import would do") || !strings.Contains(text(dry.doc), "Title") {
		t.Errorf("the dry run's report: %.600s", text(find(dry.doc, byID("main"))))
	}
	apply := formOf(t, dry.doc, "/import")
	apply.Set("action", "apply")
	done := c.post("/import", apply)
	wantStatus(t, done, http.StatusOK, "apply")
	if !strings.Contains(text(done.doc), "Imported") {
		t.Errorf("after applying: %.300s", text(find(done.doc, byID("main"))))
	}
	title := doc["studies"].([]any)[0].(map[string]any)["id"].(string)
	if study(t, cs.st, title).Title != "Imported title" {
		t.Error("the import was not applied")
	}
	// applying the same report again finds the evidence base moved on, and applies nothing
	again := c.post("/import", apply)
	wantStatus(t, again, http.StatusPreconditionFailed, "the same report applied again")
	if !strings.Contains(text(again.doc), "Nothing would change") {
		t.Errorf("applying a report twice: %.300s", text(find(again.doc, byID("main"))))
	}
}

// The store is what the curators' pages need: web.Routes(st, …) in main gives them it.
var _ web.Curation = (*store.Store)(nil)
