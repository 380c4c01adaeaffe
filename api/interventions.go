package api

import (
	"reflect"

	"github.com/gin-gonic/gin"
)

// listInterventions godoc
//
//	@Summary		List interventions
//	@Description	Named programmes and strategies the studies evaluate, filtered, searched, sorted and paged, in the same grammar as studies.
//	@Description
//	@Description	Filter fields: `theme`, `strand`, `disadvantage`, `stage`, `setting`, `country` (of origin), `study_count`, `has_outside_window_evidence`, `id`, and the relation `study` (a study id, or `study.<field>:<value>` on the studies' own fields).
//	@Description	Examples: `disadvantage:low-income,stage:primary` (what works for low-income families at primary); `study.design:RCT` (interventions evaluated by an RCT); `study.disadvantage:eal` (interventions with evidence for EAL families).
//	@Tags			interventions
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			filter		query		string	false	"Filter (see the studies endpoint for the grammar)"	example(disadvantage:low-income,stage:primary)
//	@Param			q			query		string	false	"Full-text search over names, aliases, summaries and evidence"	maxLength(1000)
//	@Param			sort		query		string	false	"Sort keys: name, study_count, id, relevance (with q); '-' for descending. Default: name, or relevance when searching"	example(-study_count,name)
//	@Param			page		query		int		false	"Page number"	minimum(1)	default(1)
//	@Param			per_page	query		int		false	"Records per page"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor		query		string	false	"Cursor paging: '*' for the first page, then meta.next_cursor"
//	@Param			facets		query		string	false	"Comma-separated fields to count: theme, strand, disadvantage, stage, setting, country"	example(stage,setting)
//	@Param			facet_mode	query		string	false	"filtered or disjunctive"	Enums(filtered, disjunctive)
//	@Param			total		query		bool	false	"Set false to skip the total"	default(true)
//	@Param			fields		query		string	false	"Sparse fieldset"	example(id,name,stage)
//	@Success		200			{object}	InterventionList
//	@Failure		400			{object}	Problem
//	@Header			200			{string}	Link	"RFC 8288 links: first, prev, next"
//	@Router			/api/v1/interventions [get]
func (s *Server) listInterventions(c *gin.Context) {
	r, err := parseList(c, reflect.TypeFor[InterventionItem]())
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.store.Interventions(r.query)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]InterventionItem, len(page.Items))
	for i, iv := range page.Items {
		items[i] = InterventionItem{Intervention: iv}
		if page.Matches != nil {
			items[i].Match = toMatch(page.Matches[i])
		}
	}
	meta, links := pageMeta(c, r, page.Total, page.NextCursor, s.store.DatasetVersion())
	writeList(c, r, items, meta, links, page.Facets)
}

// getIntervention godoc
//
//	@Summary		Get an intervention
//	@Description	One intervention with the studies that evaluate it, its themes, strands and disadvantage focus.
//	@Tags			interventions
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			id	path		string	true	"Intervention id"	example(triple-p)
//	@Success		200	{object}	InterventionDetail
//	@Failure		400	{object}	Problem	"Malformed id"
//	@Failure		404	{object}	Problem	"No intervention with that id"
//	@Router			/api/v1/interventions/{id} [get]
func (s *Server) getIntervention(c *gin.Context) {
	id := c.Param("id")
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	if err := validID("intervention", id); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.Intervention(id)
	if err != nil {
		s.fail(c, err)
		return
	}
	rel := InterventionRelated{Studies: []StudyRef{}, Themes: d.Themes, Strands: d.Strands, DisadvantageFocus: d.Disadvantages}
	for _, st := range d.Studies {
		rel.Studies = append(rel.Studies, studyRef(st))
	}
	c.PureJSON(200, InterventionDetail{Data: d.Intervention, Related: rel, Meta: s.versionMeta()})
}
