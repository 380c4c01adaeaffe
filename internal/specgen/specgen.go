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
	"github.com/swaggo/swag"
	"github.com/swaggo/swag/gen"
	"sigs.k8s.io/yaml"
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
		SearchDir:          strings.Join([]string{root, filepath.Join(root, "api"), filepath.Join(root, "models")}, ","),
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
// application/problem+json for errors only, and the others for successes only.
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
	for _, item := range doc3.Paths.Map() {
		for _, op := range item.Operations() {
			for code, resp := range op.Responses.Map() {
				isError := code >= "400" && code != "default"
				for mt := range resp.Value.Content {
					if (mt == "application/problem+json") != isError {
						delete(resp.Value.Content, mt)
					}
				}
			}
		}
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

