package web

import "net/url"

// feedLink is one feed of a list page's query.
type feedLink struct {
	Type  string // the feed's media type
	URL   string
	Title string
}

// feeds are the API's feeds of the page's query (its filter and search; a feed has its
// own order, newest change first), for <link rel="alternate"> and "Follow this search".
func (lf listForm) feeds() []feedLink {
	feed := func(format string) string {
		v := url.Values{"format": {format}}
		setIf(v, "filter", lf.filter())
		setIf(v, "q", lf.q)
		return lf.spec.api + "?" + v.Encode()
	}
	return []feedLink{
		{Type: "application/atom+xml", URL: feed("atom"), Title: "Atom feed"},
		{Type: "application/feed+json", URL: feed("jsonfeed"), Title: "JSON Feed"},
	}
}
