package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// VocabularyValue is one value of a tag field in words.
type VocabularyValue struct {
	Value       string `json:"value" binding:"required" example:"RCT"`
	Label       string `json:"label" binding:"required" example:"Randomised controlled trial"`
	Description string `json:"description" binding:"required"`
	Provisional bool   `json:"provisional" binding:"required"` // the label is ours, not the review's (three themes, the four strands)
} // @name VocabularyValue

// VocabularyField is one filterable field of a collection.
type VocabularyField struct {
	Name      string            `json:"name" example:"design"`
	Type      string            `json:"type" enums:"tag,number,flag,text,relation" example:"tag"`
	Operators []string          `json:"operators" enums:"eq,in,not,null,range,gt,gte,lt,lte,path" example:"eq,in,not,null"`
	Facetable bool              `json:"facetable"`                                              // may be named in facets=
	Nullable  bool              `json:"nullable"`                                               // field:null matches records that do not state it
	Target    *string           `json:"target" extensions:"x-nullable" example:"interventions"` // relations: the collection they reach
	Values    []VocabularyValue `json:"values,omitempty"`                                       // tag fields: every value, in vocabulary order
} // @name VocabularyField

// CollectionVocabulary is every filterable field of one collection.
type CollectionVocabulary struct {
	Collection string            `json:"collection" enums:"studies,interventions" example:"studies"`
	Href       string            `json:"href" example:"http://localhost:8080/api/v1/studies"` // the list the fields filter
	Fields     []VocabularyField `json:"fields"`
} // @name CollectionVocabulary

// Vocabularies lists the filterable and facetable fields of studies and interventions.
type Vocabularies struct {
	Data []CollectionVocabulary `json:"data"`
	Meta VersionMeta            `json:"meta"`
} // @name Vocabularies

// vocabularies godoc
//
//	@Summary		Filterable fields and their values
//	@ID				vocabularies
//	@Description	Every field that `filter=` takes on studies and interventions, for building a filter UI without reading the docs: its `name`, its `type` (`tag`: values from a vocabulary; `number`; `flag`: true or false; `text`: an exact value such as an id, author or DOI, case-insensitive; `relation`: ids of the other collection), whether `facets=` may count it, the `operators` it accepts, and for a tag every value with its `label`, plain-language `description` and `provisional` flag (three theme names and the four strands are ours, not the review's).
//	@Description
//	@Description	Operators, as the filter grammar writes them: `eq` `field:value`; `in` `field:a|b`; `not` `field:!value`; `null` `field:null` (the record does not state it); `range` `field:2010-2014`; `gt` `field:>100`; `gte` `field:>=100`; `lt` `field:<0.2`; `lte` `field:<=0.2`; `path` `relation.field:value`, on the linked records' own fields (`intervention.setting:home`).
//	@Description
//	@Description	The labels are the ones facets, the evidence map, the glossary and the web pages use. Every value listed works in `filter=` and appears in the field's facet.
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	Vocabularies
//	@Failure		400	{object}	Problem
//	@Router			/api/v1/vocabularies [get]
func (s *Server) vocabularies(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	studies, interventions := s.snapshot(c).Fields()
	base := httpio.BaseURL(c.Request) + "/api/v1/"
	out := Vocabularies{Meta: s.versionMeta(c), Data: []CollectionVocabulary{
		{Collection: "studies", Href: base + "studies", Fields: vocabularyFields(studies)},
		{Collection: "interventions", Href: base + "interventions", Fields: vocabularyFields(interventions)},
	}}
	httpio.WriteJSON(c, http.StatusOK, out)
}

func vocabularyFields(fields []catalog.FieldInfo) []VocabularyField {
	out := make([]VocabularyField, len(fields))
	for i, f := range fields {
		out[i] = VocabularyField{Name: f.Name, Type: f.Type, Operators: f.Operators, Facetable: f.Facetable, Nullable: f.Nullable}
		if f.Target != "" {
			out[i].Target = &f.Target
		}
		for _, v := range f.Values {
			out[i].Values = append(out[i].Values, VocabularyValue{Value: v.Value, Label: v.Label, Description: v.Description, Provisional: v.Provisional})
		}
	}
	return out
}
