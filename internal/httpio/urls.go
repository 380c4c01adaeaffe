package httpio

import (
	"net/http"
	"net/url"
)

// BaseURL is the scheme and host a request was sent to, as the client sent it: https when
// the connection is TLS or a proxy says so in X-Forwarded-Proto, and the Host header. The
// API's links and problem types and the pages' printed addresses are all built from it.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// AbsoluteURL is path and query on the request's base URL.
func AbsoluteURL(r *http.Request, path string, query url.Values) string {
	u := url.URL{Path: path, RawQuery: query.Encode()}
	return BaseURL(r) + u.RequestURI()
}

// The paths one surface names of the other's: the pages link to the same content as data
// in the API, and the API's index links to the pages that explain its problems. Each
// surface declares its own routes; these are the only places the other's paths are named.
const (
	// APIRoot is where the JSON API's resources are.
	APIRoot = "/api/v1"
	// ProblemsPath is the page that lists the problem types (ProblemPath names one).
	ProblemsPath = "/problems"
)

// APIPath is the path of one of the API's resources: APIPath("/studies") is
// /api/v1/studies.
func APIPath(resource string) string { return APIRoot + resource }

// RecordPagePath is the page for people of one record, by its collection as URLs name it
// ("studies", "interventions"): the API's feeds and the assistants' answers link to it.
func RecordPagePath(collection, id string) string { return "/" + collection + "/" + url.PathEscape(id) }
