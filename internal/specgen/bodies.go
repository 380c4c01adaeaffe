package specgen

import (
	"fmt"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/getkin/kin-openapi/openapi3"
)

// Request bodies: how the API reads them, which swag cannot say. The records' own rules
// are in the models' struct tags; these are the ones no tag can carry.

// promotePatterns makes each x-pattern extension, which names one of models.Patterns, the
// schema's pattern (an array's, its items'): swag has no struct tag for a pattern, so the
// models name theirs in one.
func promotePatterns(doc *openapi3.T) error {
	var unknown []string
	seen := map[*openapi3.Schema]bool{}
	var visit func(s *openapi3.Schema)
	visit = func(s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if name, ok := s.Extensions["x-pattern"].(string); ok {
			target := s
			if s.Type.Is(openapi3.TypeArray) && s.Items != nil {
				target = s.Items.Value
			}
			if target.Pattern, ok = models.Patterns[name]; !ok {
				unknown = append(unknown, name)
			}
			delete(s.Extensions, "x-pattern")
			if len(s.Extensions) == 0 {
				s.Extensions = nil
			}
		}
		for _, p := range s.Properties {
			visit(p.Value)
		}
		if s.Items != nil {
			visit(s.Items.Value)
		}
		for _, refs := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range refs {
				visit(r.Value)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		visit(s.Value)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("x-pattern names no pattern of models.Patterns: %v", unknown)
	}
	return nil
}

// closeBodies closes the schemas of JSON request bodies and of the objects they hold: the
// API reads a body member by member and refuses one its record does not have (422).
func closeBodies(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var close func(ref *openapi3.SchemaRef)
	close = func(ref *openapi3.SchemaRef) {
		s := schemaOf(doc, ref)
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Type.Is(openapi3.TypeArray) {
			close(s.Items)
			return
		}
		if !s.Type.Is(openapi3.TypeObject) || len(s.Properties) == 0 {
			return
		}
		s.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(false)}
		for _, p := range s.Properties {
			close(p)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil {
				for _, media := range op.RequestBody.Value.Content {
					close(media.Schema)
				}
			}
		}
	}
}

// patchBodies gives each merge patch (PATCH, application/merge-patch+json) the schema of
// the same path's PUT body with nothing required: a patch names the members it changes,
// and null removes an optional one.
func patchBodies(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		if item.Patch == nil || item.Patch.RequestBody == nil || item.Put == nil || item.Put.RequestBody == nil {
			continue
		}
		patch := item.Patch.RequestBody.Value.Content.Get("application/merge-patch+json")
		whole := item.Put.RequestBody.Value.Content.Get("application/json")
		if patch == nil || whole == nil || whole.Schema.Ref == "" {
			continue
		}
		name := strings.TrimPrefix(whole.Schema.Ref, "#/components/schemas/") + "Patch"
		s := *schemaOf(doc, whole.Schema)
		s.Required = nil
		s.Description = "A JSON Merge Patch (RFC 7386) of the record: the members to change; null removes an optional one."
		doc.Components.Schemas[name] = openapi3.NewSchemaRef("", &s)
		patch.Schema = openapi3.NewSchemaRef("#/components/schemas/"+name, &s)
	}
}

// sparseItems leaves every member of a list item optional: fields= returns only those it
// names, though the record requires them.
func sparseItems(doc *openapi3.T) {
	for _, name := range []string{"StudyItem", "InterventionItem"} {
		if s := doc.Components.Schemas[name]; s != nil {
			s.Value.Required = nil
		}
	}
}

func schemaOf(doc *openapi3.T, ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		if s := doc.Components.Schemas[name]; s != nil {
			return s.Value
		}
	}
	return ref.Value
}
