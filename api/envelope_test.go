package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
)

// envelope is the shape every list answers with.
type envelope struct {
	Data  []json.RawMessage `json:"data"`
	Meta  api.ListMeta      `json:"meta"`
	Links api.Links         `json:"links"`
}

// TestEveryListHasTheEnvelope walks every list endpoint page by page, by links.next from
// links.first, and checks each page has the same envelope: data, meta with total, page,
// per_page, pages and dataset_version, and absolute self, first, prev, next and last links
// that agree with each other and with the Link header.
func TestEveryListHasTheEnvelope(t *testing.T) {
	srv, st := apitest.NewWritableServer(t)
	admin := apitest.Token(t, st, "envelope-admin", models.RoleAdmin)
	// a few changes, so the audit log and a history have entries
	for range 3 {
		rec := apitest.Get(t, srv, "/api/v1/themes/engaging-with-fathers")
		var theme struct{ Data models.Theme }
		theme.Data = apitest.Decode[api.ThemeDetail](t, rec).Data.Theme
		theme.Data.Description += " (revised)"
		body, _ := json.Marshal(theme.Data)
		if rec := apitest.Send(t, srv, http.MethodPut, "/api/v1/themes/engaging-with-fathers", admin, "application/json", body,
			"If-Match", rec.Header().Get("ETag")); rec.Code != http.StatusOK {
			t.Fatalf("put theme: %d %s", rec.Code, rec.Body)
		}
	}
	lists := []struct {
		path, query string
		perPage     int
	}{
		{"/api/v1/studies", "filter=year:2010", 4},
		{"/api/v1/interventions", "filter=stage:primary", 7},
		{"/api/v1/themes", "", 4},
		{"/api/v1/strands", "", 3},
		{"/api/v1/disadvantages", "", 4},
		{"/api/v1/autocomplete", "q=par&limit=20", 6},
		{"/api/v1/studies/lindsay-2008/history", "", 2},
		{"/api/v1/interventions/triple-p/history", "", 2},
		{"/api/v1/audit", "kind=theme", 2},
		{"/api/v1/audit", "", 100},
	}
	for _, l := range lists {
		t.Run(l.path+"?"+l.query, func(t *testing.T) {
			get := func(target string) (envelope, *httptest.ResponseRecorder) {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Header.Set("Authorization", "Bearer "+admin)
				rec := apitest.Do(t, srv, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
				}
				return apitest.Decode[envelope](t, rec), rec
			}
			target := fmt.Sprintf("%s?%s&per_page=%d&page=1", l.path, l.query, l.perPage)
			first, _ := get(target)
			m := first.Meta
			if m.Total == nil || m.Page == nil || m.Pages == nil || m.PerPage != l.perPage || m.DatasetVersion == "" {
				t.Fatalf("meta = %+v", m)
			}
			wantPages := max(1, (*m.Total+l.perPage-1)/l.perPage)
			if *m.Pages != wantPages {
				t.Errorf("pages = %d; want %d for %d at %d a page", *m.Pages, wantPages, *m.Total, l.perPage)
			}
			if first.Links.Last == nil || first.Links.Self != first.Links.First {
				t.Errorf("links of page 1 = %+v", first.Links)
			}
			seen, pages, self := 0, 0, ""
			for next := &first.Links.First; next != nil; pages++ {
				if pages > wantPages {
					t.Fatalf("more than %d pages", wantPages)
				}
				page, rec := get(*next)
				links := page.Links
				for _, u := range []*string{&links.Self, &links.First, links.Prev, links.Next, links.Last} {
					if u != nil && !strings.HasPrefix(*u, "http://example.com"+l.path+"?") {
						t.Errorf("link %q is not absolute on the request's host", *u)
					}
				}
				if links.Self != *next || *page.Meta.Page != pages+1 || (links.Prev == nil) != (pages == 0) {
					t.Errorf("page %d: self %q, meta %+v, prev %v; followed %q", pages+1, links.Self, page.Meta, links.Prev, *next)
				}
				if links.Last == nil || *links.Last != *first.Links.Last || links.First != first.Links.First {
					t.Errorf("page %d: first/last %q %v differ from page 1's", pages+1, links.First, links.Last)
				}
				header := rec.Header().Get("Link")
				for rel, u := range map[string]*string{"first": &links.First, "last": links.Last, "next": links.Next, "prev": links.Prev} {
					if u != nil && !strings.Contains(header, "<"+*u+`>; rel="`+rel+`"`) {
						t.Errorf("Link header %q lacks %s %q", header, rel, *u)
					}
				}
				if len(page.Data) > l.perPage {
					t.Errorf("page %d has %d items; per_page is %d", pages+1, len(page.Data), l.perPage)
				}
				seen += len(page.Data)
				self, next = links.Self, links.Next
			}
			if seen != *m.Total || pages != wantPages || self != *first.Links.Last {
				t.Errorf("walked %d pages, %d items, ending at %q; want %d pages, %d items, ending at last %q",
					pages, seen, self, wantPages, *m.Total, *first.Links.Last)
			}
		})
	}
}

// TestListLinksFollowTheRequest: links are built from the request's scheme and host (a
// proxy's X-Forwarded-Proto included), self is in the same canonical form as the others,
// and cursor paging has no last page or page count.
func TestListLinksFollowTheRequest(t *testing.T) {
	srv := apitest.NewServer(t)
	req := httptest.NewRequest(http.MethodGet, "http://kb.example.org/api/v1/studies?per_page=5&filter=design:RCT", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	list := apitest.Decode[envelope](t, apitest.Do(t, srv, req))
	want := "https://kb.example.org/api/v1/studies?filter=design%3ARCT&page=1&per_page=5"
	if list.Links.Self != want || list.Links.First != want {
		t.Errorf("self %q, first %q; want %q", list.Links.Self, list.Links.First, want)
	}
	cur := apitest.Decode[envelope](t, apitest.Get(t, srv, "/api/v1/interventions?cursor=*&per_page=10"))
	if cur.Meta.Pages != nil || cur.Links.Last != nil || cur.Meta.Page != nil || cur.Meta.NextCursor == nil || cur.Links.Next == nil {
		t.Errorf("cursor paging: meta %+v, links %+v", cur.Meta, cur.Links)
	}
	if cur.Links.Self != "http://example.com/api/v1/interventions?cursor=%2A&per_page=10" {
		t.Errorf("cursor self = %q", cur.Links.Self)
	}
	noTotal := apitest.Decode[envelope](t, apitest.Get(t, srv, "/api/v1/studies?total=false"))
	if noTotal.Meta.Total != nil || noTotal.Meta.Pages != nil || noTotal.Links.Last != nil {
		t.Errorf("total=false: meta %+v, links %+v", noTotal.Meta, noTotal.Links)
	}
}
