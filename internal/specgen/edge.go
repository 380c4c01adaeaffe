package specgen

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Responses the middleware gives, before or around any handler, and so on operations whose
// annotations cannot know of them. Each is declared once under components/responses and
// referenced from every operation it can answer, so the spec lists every status served.
var edgeResponses = []struct {
	status      int
	description string
	applies     func(method, path string) bool
}{
	{http.StatusNotModified, "Not Modified: the If-None-Match header names the current ETag; no body.", cacheable},
	{http.StatusMethodNotAllowed, "The path exists, but not with this method.", always},
	{http.StatusRequestEntityTooLarge, "The request body is larger than the server's limit (-max-body-bytes; imports have their own).", always},
	{http.StatusRequestURITooLong, "The request target (path and query) is longer than 8192 bytes.", always},
	{http.StatusTooManyRequests, "Too many requests from this client: its token bucket (see RateLimit-Policy) cannot pay this request's cost. Retry-After says when it can.", rateLimited},
	{http.StatusServiceUnavailable, "The server is busy or the query too costly: no query slot came free within the query timeout (3 s by default), the query took longer than that, or (for an export) as many exports are streaming as the server runs at once. Retry-After says when to try again; a narrower filter or search may answer sooner.", queryWork},
	{http.StatusRequestHeaderFieldsTooLarge, "The request's header fields are larger than 16 KiB, or the request line and header fields together larger than 64 KiB.", always},
}

func always(string, string) bool { return true }

// cacheable: reads under /api/v1 carry an ETag and answer If-None-Match, except the
// audit log, which is never cached.
func cacheable(method, path string) bool {
	return method == http.MethodGet && strings.HasPrefix(path, "/api/v1/") && path != "/api/v1/audit"
}

// rateLimited: everything but the health probes counts against a client's budget.
func rateLimited(_, path string) bool { return path != "/healthz" && path != "/readyz" }

// queryWork: the lists, searches, facets, map and statistics run their query in a query
// slot and under a deadline.
func queryWork(method, path string) bool {
	switch path {
	case "/api/v1/studies", "/api/v1/interventions", "/api/v1/evidence-map", "/api/v1/stats", "/api/v1/autocomplete":
		return method == http.MethodGet
	}
	return false
}

func responseName(status int) string {
	return strings.ReplaceAll(http.StatusText(status), " ", "") + strconv.Itoa(status)
}

// addEdgeResponses declares the middleware's responses on every operation they apply to.
func addEdgeResponses(doc *openapi3.T) {
	if doc.Components.Responses == nil {
		doc.Components.Responses = openapi3.ResponseBodies{}
	}
	problem := openapi3.NewContentWithSchemaRef(openapi3.NewSchemaRef("#/components/schemas/Problem", doc.Components.Schemas["Problem"].Value), []string{"application/problem+json"})
	for _, e := range edgeResponses {
		r := openapi3.NewResponse().WithDescription(e.description)
		if e.status >= 400 {
			r.Content = problem
		}
		switch e.status {
		case http.StatusServiceUnavailable:
			r.Headers = openapi3.Headers{"Retry-After": {Value: &openapi3.Header{Parameter: openapi3.Parameter{
				Description: "Seconds to wait before trying again", Schema: openapi3.NewSchemaRef("", openapi3.NewStringSchema())}}}}
		case http.StatusTooManyRequests:
			r.Headers = openapi3.Headers{}
			for name, desc := range map[string]string{
				"Retry-After":      "Seconds until the request can be paid for; a client that comes back sooner has its request held until then",
				"RateLimit":        `What is left of the client's budget, e.g. "default";r=0;t=3 (draft-ietf-httpapi-ratelimit-headers); sent on every rate-limited response`,
				"RateLimit-Policy": `The client's budget, e.g. "default";q=60;w=3: q units per w seconds; sent on every rate-limited response`,
			} {
				h := &openapi3.Header{Parameter: openapi3.Parameter{Description: desc, Schema: openapi3.NewSchemaRef("", openapi3.NewStringSchema())}}
				r.Headers[name] = &openapi3.HeaderRef{Value: h}
			}
		}
		doc.Components.Responses[responseName(e.status)] = &openapi3.ResponseRef{Value: r}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, e := range edgeResponses {
				if !e.applies(method, path) || op.Responses.Value(strconv.Itoa(e.status)) != nil {
					continue
				}
				op.Responses.Set(strconv.Itoa(e.status), &openapi3.ResponseRef{
					Ref:   "#/components/responses/" + responseName(e.status),
					Value: doc.Components.Responses[responseName(e.status)].Value,
				})
			}
		}
	}
}

// carryParameterExamples copies the examples swag writes on query, path and header
// parameters (example(...)), which the Swagger 2.0 → OpenAPI 3 conversion drops.
func carryParameterExamples(swagger2 []byte, doc *openapi3.T) error {
	var raw struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name    string `json:"name"`
				In      string `json:"in"`
				Example any    `json:"example"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(swagger2, &raw); err != nil {
		return err
	}
	for path, ops := range raw.Paths {
		for method, op := range ops {
			for _, p := range op.Parameters {
				if p.Example == nil || p.In == "body" {
					continue
				}
				if op3 := doc.Paths.Find(path).GetOperation(strings.ToUpper(method)); op3 != nil {
					if param := op3.Parameters.GetByInAndName(p.In, p.Name); param != nil {
						param.Example = p.Example
					}
				}
			}
		}
	}
	return nil
}

// Path parameters: what the server accepts, which swag cannot say (it has no pattern).
// Ids and slugs are models.ValidSlug's rule; docs files are plain file names.
var pathPatterns = map[string]struct {
	pattern   string
	maxLength uint64
}{
	"id":   {`^[a-z0-9]+(-[a-z0-9]+)*$`, 100},
	"slug": {`^[a-z0-9]+(-[a-z0-9]+)*$`, 100},
	"file": {`^[A-Za-z0-9][A-Za-z0-9._-]*$`, 100},
}

func addPathPatterns(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, ref := range op.Parameters {
				if pp, ok := pathPatterns[ref.Value.Name]; ok && ref.Value.In == "path" {
					s := ref.Value.Schema.Value
					s.Pattern, s.MaxLength = pp.pattern, &pp.maxLength
				}
			}
		}
	}
}
