package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/evidence-kb/parental-engagement/models"
)

// TestCuratorBrowser drives Chromium through the curators' pages as a curator would,
// without a line of JSON: sign in with a token, correct a study's summary and see it on
// the public page and in search at once and as a diff in its history; a stale form shows
// the conflict, a bad year its error with the typed text kept; sign out; a revoked token's
// session is refused. axe-core audits every new page, in its plain and its error states,
// and none scrolls sideways at 390 px. It skips as TestBrowser does.
func TestCuratorBrowser(t *testing.T) {
	needBrowser(t)
	ctx := context.Background()
	cs := newCurationSite(t)
	st, site, curator, admin := cs.st, cs.url, cs.curator, cs.admin
	doomed, err := st.CreateToken(ctx, "rex", models.RoleCurator) // revoked half-way
	if err != nil {
		t.Fatal(err)
	}
	tab := newTab(t, startBrowser(t))
	var audited []string // every page axe has audited

	signIn := func(tok, next string) {
		t.Helper()
		open(t, tab, site+"/sign-in?next="+url.QueryEscape(next))
		audited = append(audited, auditPage(t, tab, "/sign-in"))
		perform(t, tab, "paste the token", chromedp.SendKeys(chromedp.ID("token"), tok))
		at := navigate(t, tab, "sign in", 200, chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`)))
		if u, _ := url.Parse(at); u.Path != next {
			t.Fatalf("signing in went to %s; want %s", at, next)
		}
	}

	// sign in, and find the Edit link on the public page
	signIn(curator, "/studies/mol-2008")
	audited = append(audited, auditPage(t, tab, "/studies/mol-2008 (signed in)"))
	if got := eval[string](t, tab, `document.querySelector(".flash").textContent`); !strings.Contains(got, "Signed in as cora") {
		t.Errorf("after signing in the page says %q", got)
	}
	navigate(t, tab, "follow Edit", 200, chromedp.Click(chromedp.CSS(".curator-edit")))
	if h1 := eval[string](t, tab, `document.querySelector("h1").textContent`); !strings.HasPrefix(h1, "Edit: ") {
		t.Fatalf("the Edit link opened %q", h1)
	}
	audited = append(audited, auditPage(t, tab, "/studies/mol-2008/edit"))

	// correct the summary: the public page and search show it at once, the history as a diff
	const words = "Quillwort families were also surveyed."
	summary := eval[string](t, tab, `document.getElementById("f-summary").value`) + " " + words
	perform(t, tab, "correct the summary", chromedp.SetValue(chromedp.ID("f-summary"), summary))
	at := navigate(t, tab, "save", 200, chromedp.Click(chromedp.CSS(`button[value="save"]`)))
	if u, _ := url.Parse(at); u.Path != "/studies/mol-2008" {
		t.Fatalf("saving went to %s", at)
	}
	if !eval[bool](t, tab, `document.querySelector("#summary-heading + p").textContent.includes("`+words+`")`) {
		t.Error("the public page does not show the corrected summary")
	}
	if !eval[bool](t, tab, `document.querySelector(".flash").textContent.includes("saved")`) {
		t.Error("the public page does not say the change was saved")
	}
	open(t, tab, site+"/studies?q=quillwort")
	if links := eval[[]string](t, tab, `[...document.querySelectorAll(".results a")].map(a => a.pathname)`); !slices.Contains(links, "/studies/mol-2008") {
		t.Errorf("searching the new word finds %v", links)
	}
	open(t, tab, site+"/studies/mol-2008/history")
	if got := eval[string](t, tab, `[...document.querySelectorAll("ins")].map(e => e.textContent).join(" ")`); !strings.Contains(got, words) {
		t.Errorf("the history's additions read %q", got)
	}
	if got := eval[string](t, tab, `document.querySelector(".entry h2").textContent`); got != "Changed by cora (curator)" {
		t.Errorf("the history's last change is headed %q", got)
	}
	audited = append(audited, auditPage(t, tab, "/studies/mol-2008/history"))

	// a bad year: the error beside the field, the typed text kept
	open(t, tab, site+"/studies/mol-2008/edit")
	perform(t, tab, "type a bad year", chromedp.SetValue(chromedp.ID("f-year"), "20x4"))
	navigate(t, tab, "save a bad year", http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(`button[value="save"]`)))
	if got := eval[string](t, tab, `document.getElementById("f-year").value`); got != "20x4" {
		t.Errorf("the year field holds %q; want the text typed", got)
	}
	if got := eval[string](t, tab, `document.getElementById("f-year-error").textContent`); !strings.Contains(got, "Must be a whole number") {
		t.Errorf("the year's error says %q", got)
	}
	if !eval[bool](t, tab, `document.querySelector(".error-summary a[href='#f-year']") !== null`) {
		t.Error("the error summary does not link to the year")
	}
	audited = append(audited, auditPage(t, tab, "the edit page with an error"))

	// a stale form: someone changes the record meanwhile; the page shows their change
	open(t, tab, site+"/studies/mol-2008/edit")
	d, _ := st.Catalog().Study("mol-2008")
	theirs := d.Study
	theirs.Title = "A title corrected by someone else"
	if _, err := st.WriteRecordAs(ctx, models.Principal{Name: "ada", Role: models.RoleAdmin}, "elsewhere", models.KindStudy,
		models.OpUpdate, theirs.ID, &theirs, []string{d.ETag()}, false); err != nil {
		t.Fatal(err)
	}
	mine := theirs.Summary + " Mine, typed on a stale form."
	perform(t, tab, "type on the stale form", chromedp.SetValue(chromedp.ID("f-summary"), mine))
	navigate(t, tab, "save the stale form", http.StatusPreconditionFailed, chromedp.Click(chromedp.CSS(`button[value="save"]`)))
	if !eval[bool](t, tab, `document.querySelector(".conflict").textContent.includes("A title corrected by someone else")`) {
		t.Error("the conflict does not show their change")
	}
	if got := eval[string](t, tab, `document.getElementById("f-summary").value`); got != mine {
		t.Errorf("the stale form lost what was typed: %q", got)
	}
	if got := eval[string](t, tab, `document.getElementById("f-title").value`); got != theirs.Title {
		t.Errorf("the form does not take in their title: %q", got)
	}
	audited = append(audited, auditPage(t, tab, "the edit page with a conflict"))

	// the other new pages, each audited and checked at a phone's width
	for _, p := range []string{"/studies/new", "/interventions/new", "/interventions/triple-p/edit", "/interventions/triple-p/history", "/vocabularies"} {
		navigate(t, tab, "open "+p, map[bool]int64{true: 403, false: 200}[p == "/vocabularies"], chromedp.Navigate(site+p))
		audited = append(audited, auditPage(t, tab, p))
	}

	// sign out: the edit pages ask to sign in again
	open(t, tab, site+"/sign-out")
	audited = append(audited, auditPage(t, tab, "/sign-out"))
	navigate(t, tab, "sign out", 200, chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))
	if h1 := eval[string](t, tab, `document.querySelector("h1").textContent`); h1 != "You are signed out" {
		t.Errorf("after signing out: %q", h1)
	}
	audited = append(audited, auditPage(t, tab, "/sign-out (signed out)"))
	at = navigate(t, tab, "open an edit page signed out", 200, chromedp.Navigate(site+"/studies/mol-2008/edit"))
	if u, _ := url.Parse(at); u.Path != "/sign-in" {
		t.Errorf("signed out, the edit page went to %s; want the sign-in page", at)
	}

	// an admin's pages
	signIn(admin, "/vocabularies")
	for _, p := range []string{"/vocabularies", "/vocabularies?kind=strand&slug=" + st.Catalog().Strands()[0].Slug, "/vocabularies?kind=theme&new=1", "/audit", "/audit?actor=ada&kind=study", "/import"} {
		open(t, tab, site+p)
		audited = append(audited, auditPage(t, tab, p))
	}
	open(t, tab, site+"/sign-out")
	navigate(t, tab, "sign out", 200, chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))

	// a revoked token's session is refused at its next request
	signIn(doomed, "/studies/mol-2008/edit")
	if err := st.RevokeToken(ctx, "rex"); err != nil {
		t.Fatal(err)
	}
	at = navigate(t, tab, "reload after revocation", 200, chromedp.Reload())
	if u, _ := url.Parse(at); u.Path != "/sign-in" {
		t.Errorf("after revocation the edit page went to %s; want the sign-in page", at)
	}
	open(t, tab, site+"/studies/mol-2008")
	if eval[bool](t, tab, `document.querySelector(".curator-bar") !== null`) {
		t.Error("after revocation the public page still shows the curator's bar")
	}
	t.Logf("axe audited %d pages: %s", len(audited), strings.Join(audited, ", "))
}

// auditPage runs axe-core on the page the tab shows (when axe-core is installed), and
// checks the page does not scroll sideways on a phone. It returns what it audited.
func auditPage(t *testing.T, tab context.Context, what string) string {
	t.Helper()
	if axe := axeSource(); axe != "" {
		for _, v := range axeViolations(t, tab, axe) {
			if v.grave() {
				t.Errorf("%s: %s", what, v)
			}
		}
	}
	perform(t, tab, "a phone's width", chromedp.EmulateViewport(390, 900))
	if wide, widest := scrollsSideways(t, tab); wide > 0 {
		t.Errorf("%s at 390 px is %d px wide; widest: %s", what, wide, widest)
	}
	perform(t, tab, "back to a laptop's width", chromedp.EmulateViewport(1280, 1000))
	return what
}

// axeSource is axe-core's script, or "" when it is not installed (then only the widths
// are checked; TestBrowser's audit says where to get it).
func axeSource() string {
	src, err := os.ReadFile(axePath())
	if err != nil {
		return ""
	}
	return string(src)
}
