// Package specgen turns the swag annotations of the API into the committed OpenAPI files:
// swag writes Swagger 2.0 into docs/, and kin-openapi converts it to the OpenAPI 3.0
// document at the repository root. go generate and the staleness test both run it, so
// the committed files can only be what the annotations say.
package specgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/swaggo/swag"
	"github.com/swaggo/swag/gen"
	"sigs.k8s.io/yaml"

	"github.com/evidence-kb/parental-engagement/export"
)

// Files are the generated documents, by path relative to the repository root.
type Files map[string][]byte

const (
	SwaggerJSON = "docs/swagger.json"
	SwaggerYAML = "docs/swagger.yaml"
	OpenAPIYAML = "openapi.yaml"
)

// Generate runs swag over the repository at root and returns the documents it yields.
func Generate(root string) (Files, error) {
	out, err := os.MkdirTemp("", "specgen")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	cfg := &gen.Config{
		SearchDir:          strings.Join([]string{root, filepath.Join(root, "api"), filepath.Join(root, "internal", "httpio"), filepath.Join(root, "models")}, ","),
		MainAPIFile:        "main.go",
		PropNamingStrategy: swag.SnakeCase,
		OutputDir:          out,
		OutputTypes:        []string{"json", "yaml"},
		ParseDepth:         100,
		InstanceName:       "swagger",
		LeftTemplateDelim:  "{{",
		RightTemplateDelim: "}}",
		Debugger:           log.New(io.Discard, "", 0),
	}
	if err := gen.New().Build(cfg); err != nil {
		return nil, fmt.Errorf("swag: %w", err)
	}
	files := Files{}
	for name, dst := range map[string]string{"swagger.json": SwaggerJSON, "swagger.yaml": SwaggerYAML} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return nil, err
		}
		files[dst] = b
	}
	v3, err := Convert(files[SwaggerJSON])
	if err != nil {
		return nil, err
	}
	files[OpenAPIYAML] = v3
	return files, nil
}

// Convert turns a Swagger 2.0 document into a validated OpenAPI 3.0 YAML document. Swag
// lists every produced media type on every response; the conversion keeps
// application/problem+json for errors only, and the others for successes only. Swagger 2.0
// also gives a response one schema for all its media types, so the export formats get
// theirs here (see exportSchemas).
func Convert(swagger2 []byte) ([]byte, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(swagger2, &doc2); err != nil {
		return nil, fmt.Errorf("read swagger 2.0: %w", err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	doc3.OpenAPI = "3.0.3"
	exports, err := exportSchemas(doc3)
	if err != nil {
		return nil, err
	}
	for _, item := range doc3.Paths.Map() {
		for _, op := range item.Operations() {
			for code, resp := range op.Responses.Map() {
				isError := code >= "400" && code != "default"
				for mt, media := range resp.Value.Content {
					if (mt == "application/problem+json") != isError {
						delete(resp.Value.Content, mt)
					} else if schema, ok := exports[mt]; ok {
						media.Schema = schema
					}
				}
			}
		}
	}
	addEdgeResponses(doc3)
	addPathPatterns(doc3)
	if err := promotePatterns(doc3); err != nil {
		return nil, err
	}
	closeBodies(doc3)
	patchBodies(doc3)
	sparseItems(doc3)
	if err := carryParameterExamples(swagger2, doc3); err != nil {
		return nil, err
	}
	if err := doc3.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("generated OpenAPI 3 document is invalid: %w", err)
	}
	b, err := json.Marshal(doc3)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(b)
}

// exportSchemas are the bodies of the export media types, which an operation offers beside
// its JSON. Text formats are strings; CSL-JSON is an array of items whose schema is made
// from the Go type that writes them, and added to the components.
func exportSchemas(doc *openapi3.T) (map[string]*openapi3.SchemaRef, error) {
	item, err := openapi3gen.NewSchemaRefForValue(export.CSLItem{}, nil)
	if err != nil {
		return nil, fmt.Errorf("CSL-JSON schema: %w", err)
	}
	item.Value.Required = []string{"id", "type", "title", "author", "issued"}
	item.Value.Description = "A reference in CSL-JSON (CSL 1.0.2); id is the citation key"
	doc.Components.Schemas["CSLItem"] = item
	text := func(description string) *openapi3.SchemaRef {
		schema := openapi3.NewStringSchema()
		schema.Description = description
		return openapi3.NewSchemaRef("", schema)
	}
	feed, err := jsonFeedSchema(doc)
	if err != nil {
		return nil, err
	}
	csl := openapi3.NewArraySchema()
	csl.Items = openapi3.NewSchemaRef("#/components/schemas/CSLItem", item.Value)
	return map[string]*openapi3.SchemaRef{
		"text/csv":                                text("RFC 4180 CSV with a header row, one row per record"),
		"application/x-ndjson":                    text("Newline-delimited JSON, one record per line"),
		"application/x-bibtex":                    text("BibTeX entries"),
		"application/x-research-info-systems":     text("RIS records"),
		"text/x-bibliography":                     text("An APA 7th reference list, one reference per line"),
		"application/vnd.citationstyles.csl+json": openapi3.NewSchemaRef("", csl),
		"application/atom+xml":                    text("An Atom feed (RFC 4287)"),
		"application/feed+json":                   feed,
	}, nil
}

// jsonFeedSchema is the schema of a JSON Feed 1.1 document as the feeds write it, made from
// the Go types that write it, its required members as the JSON Feed 1.1 specification
// requires them and the feeds always give them.
func jsonFeedSchema(doc *openapi3.T) (*openapi3.SchemaRef, error) {
	item, err := openapi3gen.NewSchemaRefForValue(export.JSONFeedItem{}, nil)
	if err != nil {
		return nil, fmt.Errorf("JSON Feed item schema: %w", err)
	}
	// openapi3gen shares one schema among properties of a type: each refined gets its own
	dateTime := func() *openapi3.SchemaRef { return openapi3.NewSchemaRef("", openapi3.NewDateTimeSchema()) }
	oneOf := func(values ...any) *openapi3.SchemaRef {
		return openapi3.NewSchemaRef("", openapi3.NewStringSchema().WithEnum(values...))
	}
	item.Value.Required = []string{"id", "url", "title", "summary", "content_text", "date_modified", "_change"}
	change := item.Value.Properties["_change"].Value
	change.Required = []string{"type", "at"}
	change.Properties["type"] = oneOf(export.ChangeCreated, export.ChangeChanged)
	change.Properties["at"] = dateTime()
	item.Value.Properties["date_modified"] = dateTime()
	item.Value.Properties["date_published"] = dateTime()
	item.Value.Description = "A record of the feed, dated by its last change; _change (a JSON Feed extension) says whether that was its creation or a change"
	doc.Components.Schemas["JSONFeedItem"] = item
	feed, err := openapi3gen.NewSchemaRefForValue(export.JSONFeed{}, nil)
	if err != nil {
		return nil, fmt.Errorf("JSON Feed schema: %w", err)
	}
	feed.Value.Required = []string{"version", "title", "home_page_url", "feed_url", "language", "authors", "items"}
	feed.Value.Properties["version"] = oneOf("https://jsonfeed.org/version/1.1")
	feed.Value.Properties["items"].Value.Items = openapi3.NewSchemaRef("#/components/schemas/JSONFeedItem", item.Value)
	feed.Value.Description = "A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)"
	doc.Components.Schemas["JSONFeed"] = feed
	return openapi3.NewSchemaRef("#/components/schemas/JSONFeed", feed.Value), nil
}
