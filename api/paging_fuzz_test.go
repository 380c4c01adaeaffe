package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// pagedLists are every list endpoint that takes page and per_page: the engine's lists,
// the lists held in memory, and the ones read from the audit log.
var pagedLists = []string{
	"/api/v1/studies",
	"/api/v1/interventions",
	"/api/v1/themes",
	"/api/v1/strands",
	"/api/v1/disadvantages",
	"/api/v1/autocomplete?q=par",
	"/api/v1/studies/lindsay-2008/history",
	"/api/v1/interventions/triple-p/history",
	"/api/v1/audit",
}

// pagingServer is a writable server whose histories and audit log have a few entries,
// with an admin's token, which the audit log needs.
func pagingServer(tb testing.TB) (http.Handler, string) {
	tb.Helper()
	srv, st := apitest.NewWritableServer(tb)
	admin := apitest.Token(tb, st, "adam", models.RoleAdmin)
	curator := apitest.Token(tb, st, "carol", models.RoleCurator)
	for i := range 3 {
		for _, target := range []struct{ path, patch string }{
			{"/api/v1/studies/lindsay-2008", fmt.Sprintf(`{"key_findings": ["Finding %d of a paging test."]}`, i)},
			{"/api/v1/interventions/triple-p", fmt.Sprintf(`{"aliases": ["Paging test %d"]}`, i)},
		} {
			etag := apitest.Get(tb, srv, target.path).Header().Get("ETag")
			rec := apitest.Send(tb, srv, http.MethodPatch, target.path, curator, "application/merge-patch+json", []byte(target.patch), "If-Match", etag)
			if rec.Code != http.StatusOK {
				tb.Fatalf("PATCH %s = %d\n%s", target.path, rec.Code, rec.Body)
			}
		}
	}
	return srv, admin
}

// withPaging adds page and per_page to a list's path.
func withPaging(list, page, perPage string) string {
	params := url.Values{"page": {page}, "per_page": {perPage}}.Encode()
	if strings.Contains(list, "?") {
		return list + "&" + params
	}
	return list + "?" + params
}

// pagedList is what the paging tests read of a list page.
type pagedList struct {
	Data []json.RawMessage
	Meta struct {
		Page    *int
		PerPage int `json:"per_page"`
		Pages   *int
		Total   *int
	}
}

// Every list answers a page past its last alike: 400, a problem naming page. Its last
// page is a page, and an empty list (a record without history) is one empty page.
func TestPagePastTheEnd(t *testing.T) {
	srv, admin := pagingServer(t)
	for _, list := range append(pagedLists, "/api/v1/studies?filter=year:1900", "/api/v1/autocomplete?q=zzzzqqq") {
		first := apitest.Decode[pagedList](t, apitest.Send(t, srv, http.MethodGet, withPaging(list, "1", "2"), admin, "", nil))
		if first.Meta.Pages == nil || first.Meta.Total == nil {
			t.Fatalf("%s: meta %+v has no pages or total", list, first.Meta)
		}
		last := *first.Meta.Pages
		rec := apitest.Send(t, srv, http.MethodGet, withPaging(list, strconv.Itoa(last), "2"), admin, "", nil)
		if got := apitest.Decode[pagedList](t, rec); rec.Code != http.StatusOK || len(got.Data) != *first.Meta.Total-2*(last-1) {
			t.Errorf("%s: last page %d = %d with %d items; want 200 with the last %d of %d", list, last, rec.Code, len(got.Data), *first.Meta.Total-2*(last-1), *first.Meta.Total)
		}
		for _, past := range []int{last + 1, catalog.MaxPage} {
			apitest.WantProblem(t, apitest.Send(t, srv, http.MethodGet, withPaging(list, strconv.Itoa(past), "2"), admin, "", nil), http.StatusBadRequest, "page")
		}
		apitest.WantProblem(t, apitest.Send(t, srv, http.MethodGet, withPaging(list, strconv.Itoa(catalog.MaxPage+1), "1"), admin, "", nil), http.StatusBadRequest, "page")
	}
}

// FuzzPaging sends any page and per_page to every list: whatever they are, the answer is
// the page asked for or a 400 problem naming one of them, never a server error. The seeds
// run as a test under go test.
func FuzzPaging(f *testing.F) {
	srv, admin := pagingServer(f)

	for _, seed := range [][2]string{
		// found by Schemathesis: page × per_page overflowed and the slice bounds panicked
		{"853249315327597948", "60"},
		{"9223372036854775807", "2"},
		// the bounds and either side of them
		{"1", "1"}, {"2", "1"}, {"3", "2"}, {"1", "20"}, {"1", "100"}, {"1", "101"},
		{"10000", "1"}, {"10001", "1"}, {"9999999", "100"}, {"10000000", "100"}, {"10000001", "100"},
		{"4611686018427387904", "2"}, {"92233720368547759", "100"}, {"9223372036854775807", "9223372036854775807"},
		// not pages at all
		{"0", "0"}, {"-1", "20"}, {"1", "-1"}, {"-9223372036854775808", "-9223372036854775808"},
		{"9223372036854775808", "1"}, {"1", "9223372036854775808"}, {"99999999999999999999", "1"},
		{"", ""}, {"abc", "1"}, {"1", "1e3"}, {"+5", "0x10"}, {" 1", "1 "}, {"+1", "1"}, {"01", "020"},
	} {
		f.Add(seed[0], seed[1])
	}

	f.Fuzz(func(t *testing.T, page, perPage string) {
		for _, list := range pagedLists {
			target := withPaging(list, page, perPage)
			rec := apitest.Send(t, srv, http.MethodGet, target, admin, "", nil)
			switch {
			case rec.Code == http.StatusOK:
				got := apitest.Decode[pagedList](t, rec)
				asked, err := strconv.Atoi(page)
				if err != nil || got.Meta.Page == nil || *got.Meta.Page != asked || len(got.Data) > got.Meta.PerPage {
					t.Fatalf("GET %s answered page %v of %d items, %d a page", target, got.Meta.Page, len(got.Data), got.Meta.PerPage)
				}
			case rec.Code >= 500:
				t.Fatalf("GET %s = %d\n%s", target, rec.Code, rec.Body)
			case rec.Code >= 300:
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Fatalf("GET %s = %d with Content-Type %q; want a problem document", target, rec.Code, ct)
				}
				p := apitest.Decode[httpio.Problem](t, rec)
				if rec.Code != http.StatusBadRequest || !apitest.HasField(p.Errors, "page") && !apitest.HasField(p.Errors, "per_page") {
					t.Fatalf("GET %s = %d, %+v; want 400 naming page or per_page", target, rec.Code, p)
				}
			}
		}
	})
}
