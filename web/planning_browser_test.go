package web_test

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The planning pages in Chromium, as a head teacher uses them: shortlisting from the
// finder and intervention pages (with JavaScript and without), comparing, the pack on a
// phone and in print, and the gap map on a phone. They skip as browser_test.go does.
func TestPlanningBrowser(t *testing.T) {
	runInBrowser(t, []browserTest{
		{"the shortlist survives navigation", shortlistJourney},
		{"the shortlist without JavaScript", shortlistWithoutScript},
		{"no sideways scroll and no word broken at 390 px", planningOnAPhone},
		{"the pack of 3 prints on 3 A4 pages", printPack},
		{"accessibility audit of the planning pages", auditPlanning},
	})
}

// shortlistOf is the shortlist in the address the tab shows.
func shortlistOf(t *testing.T, tab context.Context) string {
	t.Helper()
	u, err := url.Parse(eval[string](t, tab, `location.href`))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(u.Query()["shortlist"], ",")
}

// waitFor polls a condition in the page until it holds, or fails saying what.
func waitFor(t *testing.T, tab context.Context, what, js string) {
	t.Helper()
	ctx, cancel := step(tab)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
		t.Fatalf("waiting until %s: %v", what, err)
	}
}

// shortlistJourney ticks two interventions on the finder (JavaScript applies each tick at
// once), filters, opens one, adds a third there, compares the three, goes back to the
// finder and on to the pack: the address carries the same shortlist throughout.
func shortlistJourney(t *testing.T, tab context.Context, site string) {
	open(t, tab, site+"/")
	perform(t, tab, "tick Triple P", chromedp.Click(chromedp.ID("pick-triple-p")))
	waitFor(t, tab, "Triple P is on the shortlist", `document.getElementById("shortlist").dataset.shortlist === "triple-p"`)
	perform(t, tab, "tick Mind the Gap", chromedp.Click(chromedp.ID("pick-mind-the-gap")))
	waitFor(t, tab, "Mind the Gap is on it too", `document.getElementById("shortlist").dataset.shortlist === "triple-p,mind-the-gap"`)
	if got := shortlistOf(t, tab); got != "triple-p,mind-the-gap" {
		t.Fatalf("after two ticks the address holds shortlist %q", got)
	}
	if got := eval[string](t, tab, `document.getElementById("shortlist-live").textContent`); !strings.Contains(got, "Mind the Gap") {
		t.Errorf("the tick was not announced: %q", got)
	}
	if !eval[bool](t, tab, `document.querySelector('.site-nav a[href^="/?"]').getAttribute("href") === "/?shortlist=triple-p,mind-the-gap"`) {
		t.Error("the main navigation's finder link drops the shortlist")
	}

	// filtering keeps it, Mind the Gap (primary) riding along hidden on the early-years list
	perform(t, tab, "tick Early years", chromedp.Click(chromedp.ID("stage-early-years")))
	navigate(t, tab, "apply the filter", 200, chromedp.Click(chromedp.CSS(".filters button[type=submit]")))
	if got := shortlistOf(t, tab); got != "triple-p,mind-the-gap" {
		t.Fatalf("filtering changed the shortlist to %q", got)
	}
	navigate(t, tab, "open PEEP", 200, chromedp.Click(chromedp.CSS("#card-peep a")))
	if got := shortlistOf(t, tab); got != "triple-p,mind-the-gap" {
		t.Fatalf("PEEP's page holds shortlist %q", got)
	}
	navigate(t, tab, "add PEEP", 200, chromedp.Click(chromedp.CSS(".pick-form button")))
	if got := shortlistOf(t, tab); got != "triple-p,mind-the-gap,peep" {
		t.Fatalf("adding PEEP made shortlist %q", got)
	}
	at := navigate(t, tab, "compare", 200, chromedp.Click(chromedp.CSS("#shortlist .shortlist-actions a:first-child")))
	if u, _ := url.Parse(at); u.Path != "/compare" || u.Query().Get("ids") != "triple-p,mind-the-gap,peep" {
		t.Fatalf("compare opened %s", at)
	}
	if n := eval[int](t, tab, `document.querySelectorAll(".compare-card").length`); n != 3 {
		t.Errorf("compare shows %d cards; want 3", n)
	}
	navigate(t, tab, "back to the finder", 200, chromedp.Click(chromedp.CSS(".breadcrumb a")))
	if got := shortlistOf(t, tab); got != "triple-p,mind-the-gap,peep" {
		t.Fatalf("back on the finder the shortlist is %q", got)
	}
	if !eval[bool](t, tab, `document.getElementById("pick-peep").checked && document.getElementById("pick-triple-p").checked`) {
		t.Error("the finder does not tick the shortlisted cards")
	}
	at = navigate(t, tab, "make the pack", 200, chromedp.Click(chromedp.CSS("#shortlist .shortlist-actions a:last-child")))
	if u, _ := url.Parse(at); u.Path != "/pack" || u.Query().Get("ids") != "triple-p,mind-the-gap,peep" {
		t.Fatalf("the pack opened %s", at)
	}
	// unticking on the finder takes it off
	open(t, tab, site+"/?shortlist=triple-p,mind-the-gap,peep")
	perform(t, tab, "untick Triple P", chromedp.Click(chromedp.ID("pick-triple-p")))
	waitFor(t, tab, "Triple P is off the shortlist", `document.getElementById("shortlist").dataset.shortlist === "mind-the-gap,peep"`)
	if got := eval[string](t, tab, `document.querySelector("#card-peep a").getAttribute("href")`); got != "/interventions/peep?shortlist=mind-the-gap,peep" {
		t.Errorf("after unticking, PEEP's card links to %s", got)
	}
}

// shortlistWithoutScript ticks boxes with JavaScript off: the form's button sends them.
func shortlistWithoutScript(t *testing.T, tab context.Context, site string) {
	turnScriptOff(t, tab)
	open(t, tab, site+"/?shortlist=fast")
	perform(t, tab, "tick Triple P", chromedp.Click(chromedp.ID("pick-triple-p")))
	navigate(t, tab, "update the shortlist", 200, chromedp.Click(chromedp.CSS("#card-triple-p ~ .pick .pick-submit")))
	if got := eval[string](t, tab, `document.getElementById("shortlist").dataset.shortlist`); got != "fast,triple-p" {
		t.Fatalf("without JavaScript the shortlist became %q", got)
	}
	navigate(t, tab, "compare", 200, chromedp.Click(chromedp.CSS("#shortlist .shortlist-actions a:first-child")))
	if n := eval[int](t, tab, `document.querySelectorAll(".compare-card").length`); n != 2 {
		t.Errorf("compare shows %d cards; want 2", n)
	}
}

// planningPhone are the planning pages at their fullest, and the gap map.
var planningPhone = []string{
	"/compare?ids=incredible-years,triple-p",
	"/compare?ids=incredible-years,triple-p,mind-the-gap,family-literacy",
	"/pack?ids=triple-p,mind-the-gap,sure-start&challenges=1,3||2",
	"/pack?ids=achievement-for-all,family-learning&variant=scotland",
	"/?shortlist=triple-p,peep,fast,sfsc,peip",
	"/interventions/triple-p?shortlist=peep,triple-p",
	"/evidence-map",
	"/evidence-map?rows=disadvantage&cols=design",
	"/evidence-map?rows=strand&cols=disadvantage",
}

// brokenWords lists the words of the visible text of main that a line break splits: a
// word is what lies between spaces, hyphens and slashes, where a line may end.
const brokenWords = `(() => {
  const out = [];
  const range = document.createRange();
  const walk = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(".visually-hidden") || el.getClientRects().length === 0) continue;
    const re = /[^\s\-–—\/]{2,}/g;
    for (let m; (m = re.exec(n.data)); ) {
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
  return out;
})()`

// planningOnAPhone opens each planning page and the gap map at 390 px: none scrolls
// sideways, and no word is broken inside itself; the gap map is then a list.
func planningOnAPhone(t *testing.T, tab context.Context, site string) {
	perform(t, tab, "set a phone viewport", chromedp.EmulateViewport(390, 900))
	defer perform(t, tab, "back to a laptop viewport", chromedp.EmulateViewport(1280, 1000))
	for _, p := range planningPhone {
		open(t, tab, site+p)
		if wide, widest := scrollsSideways(t, tab); wide > 0 {
			t.Errorf("390 px: %s is %d px wide (scrolls sideways); widest: %s", p, wide, widest)
		}
		// the finder and intervention pages list long addresses, which may only break
		if strings.HasPrefix(p, "/?") || strings.HasPrefix(p, "/interventions/") {
			continue
		}
		if broken := eval[[]string](t, tab, brokenWords); len(broken) > 0 {
			t.Errorf("390 px: %s breaks words inside themselves: %q", p, broken)
		}
		if strings.HasPrefix(p, "/evidence-map") {
			if !eval[bool](t, tab, `getComputedStyle(document.querySelector(".map-list")).display !== "none" && getComputedStyle(document.querySelector(".map-scroll")).display === "none"`) {
				t.Errorf("390 px: %s shows the table, not the list", p)
			}
		}
		if strings.HasPrefix(p, "/compare") {
			if !eval[bool](t, tab, `(c => c.length > 1 && c[1].getBoundingClientRect().top >= c[0].getBoundingClientRect().bottom)(document.querySelectorAll(".compare-card"))`) {
				t.Errorf("390 px: %s does not stack its cards", p)
			}
		}
	}
	perform(t, tab, "set a laptop viewport", chromedp.EmulateViewport(1280, 1000))
	open(t, tab, site+"/evidence-map")
	if !eval[bool](t, tab, `getComputedStyle(document.querySelector(".map-list")).display === "none" && getComputedStyle(document.querySelector(".map-scroll")).display !== "none"`) {
		t.Error("1280 px: the gap map is not a table")
	}
	for _, p := range planningPhone {
		open(t, tab, site+p)
		if wide, _ := scrollsSideways(t, tab); wide > 0 {
			t.Errorf("1280 px: %s is %d px wide (scrolls sideways)", p, wide)
		}
	}
	open(t, tab, site+"/compare?ids=incredible-years,triple-p,mind-the-gap")
	if !eval[bool](t, tab, `(c => [...c].every(x => Math.abs(x.getBoundingClientRect().top - c[0].getBoundingClientRect().top) < 1) &&
		[...c].every(x => Math.abs(x.querySelectorAll(".compare-fact")[6].getBoundingClientRect().top - c[0].querySelectorAll(".compare-fact")[6].getBoundingClientRect().top) < 1))(document.querySelectorAll(".compare-card"))`) {
		t.Error("1280 px: the compared cards do not stand side by side with their facts in line")
	}
}

// a4Box is an A4 page's media box in points, as Chromium writes it.
var a4Box = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+595\.\d+\s+841\.\d+\s*\]`)

// printPack prints the pack of three interventions to PDF: three pages, each A4.
func printPack(t *testing.T, tab context.Context, site string) {
	for _, p := range []string{
		"/pack?ids=triple-p,mind-the-gap,family-literacy&challenges=1,3|2|4",
		"/pack?ids=incredible-years,achievement-for-all,sure-start&variant=scotland",
	} {
		open(t, tab, site+p)
		ctx, cancel := step(tab)
		pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
		cancel()
		if err != nil {
			t.Fatalf("print %s: %v", p, err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("print %s: not a PDF", p)
		}
		if n := len(pdfPage.FindAll(pdf, -1)); n != 3 {
			t.Errorf("%s prints on %d pages; want 3, one per intervention", p, n)
		}
		if boxes := a4Box.FindAll(pdf, -1); len(boxes) != 3 {
			t.Errorf("%s: %d of its pages are A4", p, len(boxes))
		}
	}
}

// auditPlanning runs axe-core over the planning pages, at a laptop's width and a phone's.
func auditPlanning(t *testing.T, tab context.Context, site string) {
	axe := axeScript(t)
	for _, width := range []int64{1280, 390} {
		perform(t, tab, "set the viewport", chromedp.EmulateViewport(width, 900))
		for _, p := range planningPhone {
			open(t, tab, site+p)
			for _, v := range axeViolations(t, tab, axe) {
				t.Errorf("%d px %s: %s", width, p, v)
			}
		}
	}
	perform(t, tab, "back to a laptop viewport", chromedp.EmulateViewport(1280, 1000))
}
