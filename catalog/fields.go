package catalog

import (
	"github.com/evidence-kb/parental-engagement/models"
)

// Field types, as the API's vocabularies endpoint names them.
const (
	TypeTag      = "tag"      // one or more values from a vocabulary
	TypeNumber   = "number"   // a number: equality, ranges, bounds
	TypeFlag     = "flag"     // true or false
	TypeText     = "text"     // an exact value of many (id, author, DOI), case-insensitive
	TypeRelation = "relation" // links to records of the other collection
)

// Filter operators, by name; the filter grammar writes them as the comments say.
const (
	OpEq    = "eq"    // field:value
	OpIn    = "in"    // field:a|b
	OpNot   = "not"   // field:!value (or !a|b)
	OpNull  = "null"  // field:null, a missing value
	OpRange = "range" // field:a-b, both ends included
	OpGt    = "gt"    // field:>a
	OpGte   = "gte"   // field:>=a
	OpLt    = "lt"    // field:<a
	OpLte   = "lte"   // field:<=a
	OpPath  = "path"  // relation.field:value, on the linked records' own fields
)

// FieldInfo describes one filterable field of a collection, for documentation and for
// clients that build filters: what it holds, the operators it takes and, for a tag, every
// value in words.
type FieldInfo struct {
	Name      string
	Type      string
	Facetable bool
	Nullable  bool     // null matches the records that do not state it
	Operators []string // in the order above
	Target    string   // relations: the collection reached ("studies", "interventions")
	Values    []models.GlossaryTerm
}

// Fields lists the filterable fields of studies and interventions, in the schemas' order
// after id, each tag with every value its facets count (a missing value aside), labelled
// as facets and the evidence map label them.
func (cat *Catalog) Fields() (studies, interventions []FieldInfo) {
	return cat.fieldInfo(cat.studies), cat.fieldInfo(cat.interventions)
}

func (cat *Catalog) fieldInfo(c *collection) []FieldInfo {
	out := make([]FieldInfo, 0, len(c.names))
	for _, name := range c.names {
		f := c.fields[name]
		fi := FieldInfo{Name: name, Facetable: f.facet, Nullable: f.spec.nullable}
		switch f.kind {
		case kindTag:
			fi.Type = TypeTag
			fi.Operators = []string{OpEq, OpIn, OpNot}
			for _, v := range f.tags.order {
				if v != nullValue {
					fi.Values = append(fi.Values, cat.Term(name, v))
				}
			}
		case kindBool:
			fi.Type, fi.Operators = TypeFlag, []string{OpEq, OpNot}
		case kindNumber:
			fi.Type = TypeNumber
			fi.Operators = []string{OpEq, OpIn, OpNot, OpRange, OpGt, OpGte, OpLt, OpLte}
		case kindKey:
			fi.Type, fi.Operators = TypeText, []string{OpEq, OpIn, OpNot}
		case kindRelation:
			fi.Type, fi.Operators, fi.Target = TypeRelation, []string{OpEq, OpIn, OpNot, OpPath}, f.rel.target.plural
		}
		if fi.Nullable {
			fi.Operators = append(fi.Operators, OpNull)
		}
		out = append(out, fi)
	}
	return out
}

// Term is a value of a filter field in words: its label, plain-language description and
// whether the label is provisional. The labels of the dataset's own vocabularies (themes,
// strands, disadvantage focus) are their names; every other label and description comes
// from the glossary (models/glossary.json). It is the one source of labels: facets, the
// evidence map, the vocabularies endpoint and the web pages all word values through it.
func (cat *Catalog) Term(field, value string) models.GlossaryTerm {
	t := models.GlossaryTerm{Value: value, Label: value}
	switch field {
	case "theme":
		for _, x := range cat.vocab.Themes {
			if x.Slug == value {
				t.Label, t.Description, t.Provisional = x.Name, x.Description, x.Provisional
			}
		}
		return t
	case "strand":
		for _, x := range cat.vocab.Strands {
			if x.Slug == value {
				t.Label, t.Description, t.Provisional = x.Name, x.Description, x.Provisional
			}
		}
		if d, ok := models.GlossaryDescription(field, value); ok {
			t.Description = d
		}
		return t
	case "disadvantage":
		for _, x := range cat.vocab.Disadvantages {
			if x.Slug == value {
				t.Label, t.Description = x.Name, x.Description
			}
		}
		return t
	}
	if value == nullValue {
		t.Label = "Not stated"
	}
	if l, ok := models.GlossaryLabel(field, value); ok {
		t.Label = l
	}
	t.Description, _ = models.GlossaryDescription(field, value)
	return t
}
