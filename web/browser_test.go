package web_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/apitest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests drive Debian's headless Chromium through the web finder as a member of
// school staff would, and audit every page type with axe-core. They skip, saying why, on a
// machine without the browser or axe-core; CI installs both (see .ci/run).

const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds the whole browser run, so a hung browser fails the test instead of
// stalling CI.
const browserTimeout = 90 * time.Second

// needBrowser skips a browser test, saying why, where it cannot run: without Chromium, or
// in -short mode.
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("skipping browser tests: no Chromium at %s (apt-get install chromium)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("skipping browser tests in -short mode")
	}
}

func TestBrowser(t *testing.T) {
	runInBrowser(t, []browserTest{
		{"filter, open an intervention, follow a study", journey},
		{"follow a gap-map cell", mapCell},
		{"keyboard only", keyboard},
		{"without JavaScript", noScript},
		{"cards print on one page", printCards},
		{"accessibility audit", audit},
		{"no sideways scrolling at 390 and 1280 px", noOverflow},
		{"provisional markers", provisionalMarkers},
	})
}

// browserTest is a subtest that drives a tab of its own over the site at site.
type browserTest struct {
	name string
	run  func(t *testing.T, tab context.Context, site string)
}

// runInBrowser runs each test in a new tab of one Chromium, over a site of the shared store.
func runInBrowser(t *testing.T, tests []browserTest) {
	needBrowser(t)
	site := httptest.NewServer(apitest.NewServer(t))
	t.Cleanup(site.Close)
	browser := startBrowser(t)
	for _, bt := range tests {
		t.Run(bt.name, func(t *testing.T) { bt.run(t, newTab(t, browser), site.URL) })
	}
}

// pageTypes is one page of each type, at its widest content: the finder and study search
// with and without filters, a long intervention page (Triple P, with long links), a study,
// the gap map (both default and a wide crossing), About, the problem types, and an error page.
var pageTypes = []string{
	"/",
	"/?stage=primary&disadvantage=low-income",
	"/?disadvantage=eal&stage=primary",
	"/interventions/triple-p",
	"/interventions/family-literacy",
	"/studies",
	"/studies?q=fathers&design=qualitative",
	"/studies/mol-2008",
	"/evidence-map",
	"/evidence-map?rows=disadvantage&cols=design",
	"/about",
	"/problems",
	"/problems/invalid-parameter",
	"/no-such-page",
}

// noOverflow opens every page type on a phone (390 px) and a laptop (1280 px) screen: no
// page may scroll sideways; wide tables scroll inside their own box.
func noOverflow(t *testing.T, tab context.Context, site string) {
	for _, width := range []int64{390, 1280} {
		perform(t, tab, "set the viewport", chromedp.EmulateViewport(width, 900))
		for _, p := range pageTypes {
			load(t, tab, site+p)
			if wide, widest := scrollsSideways(t, tab); wide > 0 {
				t.Errorf("%d px: %s is %d px wide (scrolls sideways); widest: %s", width, p, wide, widest)
			}
		}
	}
	// on a phone the results come before the filters, which are folded
	perform(t, tab, "set a phone viewport", chromedp.EmulateViewport(390, 900))
	open(t, tab, site+"/")
	if !eval[bool](t, tab, `document.querySelector(".card").getBoundingClientRect().top < document.querySelector(".facet").getBoundingClientRect().top || !document.querySelector("details.filters-toggle").open`) {
		t.Error("at 390 px the filters come before the first result, unfolded")
	}
	perform(t, tab, "back to a laptop viewport", chromedp.EmulateViewport(1280, 1000))
}

// provisionalMarkers checks the provisional themes and strands are marked where they are
// listed: the finder's and study search's filters and the gap map.
func provisionalMarkers(t *testing.T, tab context.Context, site string) {
	for _, p := range []string{"/", "/studies", "/evidence-map"} {
		open(t, tab, site+p)
		n := eval[int](t, tab, `[...document.querySelectorAll(".badge-provisional")].filter(e => e.offsetParent !== null || e.closest("details")).length`)
		if n < 7 {
			t.Errorf("%s shows %d provisional markers; want at least 7 (3 themes, 4 strands)", p, n)
		}
		if !eval[bool](t, tab, `document.body.textContent.includes("marks a name of ours")`) {
			t.Errorf("%s does not explain the provisional marker", p)
		}
	}
}

// startBrowser starts Chromium with the flags this machine needs: no network beyond
// loopback (so no background or component traffic, no QUIC) and a throwaway profile.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return browser
}

// newTab opens a tab; each step on it gets its own deadline, so one stuck step names itself.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return tab
}

func step(tab context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(tab, 15*time.Second)
}

// perform runs actions that return nothing.
func perform(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates JavaScript in the page and decodes its value.
func eval[T any](t *testing.T, tab context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluate %.80q: %v", js, err)
	}
	return v
}

// navigate runs actions that load a page, such as a click on a link, and waits for it.
// It fails unless the page answered want.
func navigate(t *testing.T, tab context.Context, what string, want int64, actions ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != want {
		t.Fatalf("%s: %s answered %d; want %d", what, resp.URL, resp.Status, want)
	}
	return resp.URL
}

func open(t *testing.T, tab context.Context, target string) {
	t.Helper()
	navigate(t, tab, "open "+target, 200, chromedp.Navigate(target))
}

// load opens target whatever it answers: the audits check the error pages too.
func load(t *testing.T, tab context.Context, target string) {
	t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(target)); err != nil {
		t.Fatalf("open %s: %v", target, err)
	}
}

// scrollsSideways is how wide the page the tab shows is, and its three rightmost elements
// that stick out, when it is wider than the window; 0 when it is not.
func scrollsSideways(t *testing.T, tab context.Context) (wide int, widest string) {
	t.Helper()
	sizes := eval[[]int](t, tab, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if sizes[0] <= sizes[1] {
		return 0, ""
	}
	return sizes[0], eval[string](t, tab, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(-3).map(e => e.tagName + "." + e.className).join(", ")`)
}

// turnScriptOff switches JavaScript off in the tab, as some schools' browsers have it.
func turnScriptOff(t *testing.T, tab context.Context) {
	t.Helper()
	perform(t, tab, "turn JavaScript off", chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

func resultsShown(t *testing.T, tab context.Context) int {
	t.Helper()
	return eval[int](t, tab, `parseInt(document.getElementById("results-heading").textContent.replace(/,/g, ""), 10)`)
}

// journey filters the finder, opens an intervention from its cards and follows one of the
// studies that evaluated it, checking each page says what the one before promised.
func journey(t *testing.T, tab context.Context, site string) {
	open(t, tab, site+"/")
	all := resultsShown(t, tab)
	promised := eval[int](t, tab, `parseInt(document.querySelector("label[for=stage-primary] .count").textContent.slice(1), 10)`)
	perform(t, tab, "tick Primary", chromedp.Click(chromedp.ID("stage-primary")))
	at := navigate(t, tab, "apply the filter", 200, chromedp.Click(chromedp.CSS(".filters button[type=submit]")))
	if u, _ := url.Parse(at); u.Query().Get("stage") != "primary" {
		t.Fatalf("the filtered finder is at %s; its address should carry stage=primary", at)
	}
	if got := resultsShown(t, tab); got != promised || got >= all {
		t.Fatalf("Primary promised %d of %d interventions; the page shows %d", promised, all, got)
	}
	stages := eval[[]string](t, tab, `[...document.querySelectorAll(".card .facts div:first-child dd")].map(d => d.textContent)`)
	for _, s := range stages {
		if s != "Primary" && s != "All stages" { // programmes for all stages are for primary too
			t.Errorf("a card in the Primary results is for %q", s)
		}
	}

	// the first card with impact evaluations in the review, so there is a study to follow
	heading := eval[string](t, tab, `[...document.querySelectorAll(".card")].find(c => c.querySelector(".result-counts")).querySelector("h3").id`)
	name := eval[string](t, tab, `document.getElementById("`+heading+`").textContent`)
	navigate(t, tab, "open "+name, 200, chromedp.Click(chromedp.CSS("#"+heading+" a")))
	if h1 := eval[string](t, tab, `document.querySelector("h1").textContent`); h1 != name {
		t.Fatalf("the card for %q opened a page headed %q", name, h1)
	}
	if got := eval[bool](t, tab, `!document.querySelector("[data-print]").hidden`); !got {
		t.Error("the print button did not appear with JavaScript on")
	}

	title := eval[string](t, tab, `document.querySelector(".study-list a").textContent`)
	at = navigate(t, tab, "follow a study", 200, chromedp.Click(chromedp.CSS(".study-list a")))
	if !strings.Contains(at, "/studies/") {
		t.Fatalf("the study link went to %s", at)
	}
	if h1 := eval[string](t, tab, `document.querySelector("h1").textContent`); h1 != title {
		t.Fatalf("the link %q opened a page headed %q", title, h1)
	}
	if !eval[bool](t, tab, `document.getElementById("citation").value.includes(document.querySelector("h1").textContent.slice(0, 20))`) {
		t.Error("the citation does not name the study")
	}
	perform(t, tab, "copy the citation", chromedp.Click(chromedp.CSS("[data-copy]")))
	ctx, cancel := step(tab)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("copy-status").textContent.length > 0`)); err != nil {
		t.Errorf("copying the citation said nothing: %v", err)
	}
}

// mapCell opens the gap map, follows a cell and checks the study list holds that many.
func mapCell(t *testing.T, tab context.Context, site string) {
	open(t, tab, site+"/evidence-map")
	gaps := eval[int](t, tab, `document.querySelectorAll("td.heat-0").length`)
	if gaps == 0 || !eval[bool](t, tab, `[...document.querySelectorAll("td.heat-0")].every(td => td.textContent.includes("gap"))`) {
		t.Errorf("the map marks %d gaps, or marks them without the word", gaps)
	}
	count := eval[int](t, tab, `parseInt(document.querySelector("td.heat-2 .n").textContent, 10)`)
	at := navigate(t, tab, "follow a cell", 200, chromedp.Click(chromedp.CSS("td.heat-2 a")))
	u, _ := url.Parse(at)
	if u.Path != "/studies" || !u.Query().Has("theme") || !u.Query().Has("strand") {
		t.Fatalf("the cell went to %s; want the study list for its theme and strand", at)
	}
	if got := resultsShown(t, tab); got != count {
		t.Errorf("the cell counts %d studies; its list shows %d", count, got)
	}
	open(t, tab, site+"/evidence-map")
	perform(t, tab, "switch the columns to design", chromedp.SetValue(chromedp.ID("cols"), "design"))
	navigate(t, tab, "show the map", 200, chromedp.Click(chromedp.CSS(".dimensions button")))
	if caption := eval[string](t, tab, `document.querySelector("caption").textContent`); !strings.Contains(caption, "study design") {
		t.Errorf("after switching, the map is %q", caption)
	}
}

// keyboard uses the finder with the keyboard alone: the skip link, tabbing through the
// filters to the results with a visible focus, searching with Enter, opening a card.
func keyboard(t *testing.T, tab context.Context, site string) {
	open(t, tab, site+"/")
	perform(t, tab, "press Tab", chromedp.KeyEvent(kb.Tab))
	if got := eval[string](t, tab, `document.activeElement.textContent`); got != "Skip to main content" {
		t.Fatalf("the first Tab reaches %q; want the skip link", got)
	}
	perform(t, tab, "skip to the content", chromedp.KeyEvent(kb.Enter))
	if got := eval[string](t, tab, `document.activeElement.id`); got != "main" {
		t.Fatalf("the skip link moved focus to %q", got)
	}
	var reached bool
	for range 150 {
		perform(t, tab, "press Tab", chromedp.KeyEvent(kb.Tab))
		if eval[bool](t, tab, `document.activeElement.matches(".card h3 a")`) {
			reached = true
			break
		}
		if eval[string](t, tab, `getComputedStyle(document.activeElement).outlineStyle`) == "none" {
			t.Fatalf("focus on %q is not visible", eval[string](t, tab, `document.activeElement.outerHTML.slice(0, 80)`))
		}
	}
	if !reached {
		t.Fatal("150 presses of Tab did not reach the first result")
	}
	name := eval[string](t, tab, `document.activeElement.textContent`)
	navigate(t, tab, "open a card with Enter", 200, chromedp.KeyEvent(kb.Enter))
	if h1 := eval[string](t, tab, `document.querySelector("h1").textContent`); h1 != name {
		t.Fatalf("Enter on %q opened %q", name, h1)
	}
	open(t, tab, site+"/studies")
	at := navigate(t, tab, "search with Enter", 200, chromedp.SendKeys(chromedp.ID("q"), "fathers"+kb.Enter))
	if u, _ := url.Parse(at); u.Query().Get("q") != "fathers" {
		t.Fatalf("typing a search and Enter went to %s", at)
	}
}

// noScript turns JavaScript off and shows the pages still work: forms submit with GET and
// the enhancements stay hidden rather than broken.
func noScript(t *testing.T, tab context.Context, site string) {
	turnScriptOff(t, tab)
	open(t, tab, site+"/studies/mol-2008")
	if eval[bool](t, tab, `!document.querySelector("[data-copy]").hidden`) {
		t.Error("without JavaScript the copy button shows, but cannot work")
	}
	open(t, tab, site+"/")
	perform(t, tab, "tick Low income, type a search",
		chromedp.Click(chromedp.ID("disadvantage-low-income")),
		chromedp.SendKeys(chromedp.ID("q"), "parents"))
	at := navigate(t, tab, "search", 200, chromedp.Click(chromedp.CSS(".search-row button")))
	u, _ := url.Parse(at)
	if u.Query().Get("disadvantage") != "low-income" || u.Query().Get("q") != "parents" {
		t.Fatalf("the form without JavaScript went to %s", at)
	}
}

// pdfPage matches a page object of a PDF (not the /Pages tree).
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// printCards prints every intervention page on A4 and checks each card fits one page and
// shows, as printed, what the intervention is.
func printCards(t *testing.T, tab context.Context, site string) {
	open(t, tab, site+"/")
	links := eval[[]string](t, tab, `[...document.querySelectorAll(".card h3 a")].map(a => a.href)`)
	if len(links) == 0 {
		t.Fatal("no cards to print")
	}
	perform(t, tab, "lay pages out for print", chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	for _, link := range links {
		open(t, tab, link)
		if !eval[bool](t, tab, `(d => !!d && d.innerText.trim() !== "" && d.getClientRects().length > 0)(document.querySelector(".description"))`) {
			t.Errorf("%s prints without its description", link)
		}
		ctx, cancel := step(tab)
		pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
		cancel()
		if err != nil {
			t.Fatalf("print %s: %v", link, err)
		}
		if n := len(pdfPage.FindAll(pdf, -1)); n != 1 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Errorf("%s prints on %d pages; want 1", link, n)
		}
	}
}

// axeViolation is what the audit reports of one failed rule.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axePath is where axe-core is: $AXE_CORE_JS, or where .ci/run installs it.
func axePath() string {
	if path := os.Getenv("AXE_CORE_JS"); path != "" {
		return path
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "evidence-kb-ci", "node_modules", "axe-core", "axe.min.js")
}

// axeScript is axe-core's script; without it the test skips, saying where to get it.
func axeScript(t *testing.T) string {
	t.Helper()
	path := axePath()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("skipping the accessibility audit: no axe-core at %s (npm install axe-core@4.14.1, or set AXE_CORE_JS): %v", path, err)
	}
	return string(src)
}

// axeViolations injects axe-core (its script, axe) into the page the tab shows and returns
// every rule the page fails.
func axeViolations(t *testing.T, tab context.Context, axe string) []axeViolation {
	t.Helper()
	eval[chromedp.Void](t, tab, axe)
	return eval[[]axeViolation](t, tab, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`,
		chromedp.EvalAwaitPromise)
}

// grave says whether a violation fails the site's audit: a serious or critical one.
func (v axeViolation) grave() bool { return v.Impact == "serious" || v.Impact == "critical" }

func (v axeViolation) String() string {
	return v.ID + " (" + v.Impact + "): " + v.Help + ", at " + strings.Join(v.Nodes, "; ")
}

// audit injects axe-core into one page of each type, and a few more states, and fails on
// any serious or critical violation of WCAG 2.x A/AA or best practice.
func audit(t *testing.T, tab context.Context, site string) {
	axe := axeScript(t)
	pages := append(slices.Clip(pageTypes),
		"/?stage=early-years&disadvantage=low-income&q=reading", // a search with a keyword
		"/problems/precondition-failed",
		"/?stage=university", // a filter the finder refuses
	)
	for _, p := range pages {
		load(t, tab, site+p)
		for _, v := range axeViolations(t, tab, axe) {
			if v.grave() {
				t.Errorf("%s: %s", p, v)
			}
		}
	}
}
