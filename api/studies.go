package api

import (
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/models"
)

// listStudies godoc
//
//	@Summary		List studies
//	@Description	Studies of the review (2008–2014), filtered, searched, sorted and paged.
//	@Description
//	@Description	**filter** (OpenAlex style): `field:value` clauses joined by commas are ANDed (so is a repeated `filter` parameter). `a|b` is OR within a field, `!a` negates, numbers take `2010-2014`, `>100`, `<=0.2`, and `null` matches a missing value.
//	@Description	Fields: `theme`, `strand`, `disadvantage`, `design`, `stage`, `country`, `type`, `year`, `sample_size`, `effect_size`, `has_doi`, `has_url`, `has_sample_size`, `has_effect_size`, `author`, `doi`, `id`, and the relation `intervention` (an intervention id, or `intervention.<field>:<value>` on the interventions' own fields).
//	@Description	Examples: `theme:family-learning,year:2010-2014,design:RCT|quasi-experimental`; `disadvantage:eal,has_effect_size:true`; `intervention.setting:home`.
//	@Description
//	@Description	**q** searches titles, authors, summaries and findings: words (stemmed, case- and accent-insensitive), `"phrases"`, `prefix*`, `AND`, `OR`, `NOT`, `-word`, parentheses. Results then sort by relevance and carry a `match` with highlighted snippets.
//	@Tags			studies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			filter		query		string	false	"Filter in the grammar above"	example(theme:supporting-vulnerable-families,year:2010-2014)
//	@Param			q			query		string	false	"Full-text search"				maxLength(1000)
//	@Param			sort		query		string	false	"Sort keys, comma-separated; '-' for descending. Keys: year, title, author, sample_size, effect_size, id, relevance (with q). Default: -year,title, or relevance when searching"	example(-year,title)
//	@Param			page		query		int		false	"Page number (offset paging; at most 10,000 records deep)"	minimum(1)	default(1)
//	@Param			per_page	query		int		false	"Records per page"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor		query		string	false	"Cursor paging: '*' for the first page, then meta.next_cursor"
//	@Param			facets		query		string	false	"Comma-separated fields to count: theme, strand, disadvantage, design, stage, country, type, year"	example(theme,design)
//	@Param			facet_mode	query		string	false	"filtered: counts over the result; disjunctive: each facet counted with its own filter removed"	Enums(filtered, disjunctive)
//	@Param			total		query		bool	false	"Set false to skip the total"	default(true)
//	@Param			fields		query		string	false	"Sparse fieldset: the record fields to return, comma-separated"	example(id,title,year)
//	@Success		200			{object}	StudyList
//	@Failure		400			{object}	Problem
//	@Header			200			{string}	Link	"RFC 8288 links: first, prev, next"
//	@Router			/api/v1/studies [get]
func (s *Server) listStudies(c *gin.Context) {
	r, err := parseList(c, reflect.TypeFor[StudyItem]())
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.store.Studies(r.query)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]StudyItem, len(page.Items))
	for i, st := range page.Items {
		items[i] = StudyItem{Study: st}
		if page.Matches != nil {
			items[i].Match = toMatch(page.Matches[i])
		}
	}
	meta, links := pageMeta(c, r, page.Total, page.NextCursor, s.store.DatasetVersion())
	writeList(c, r, items, meta, links, page.Facets)
}

// getStudy godoc
//
//	@Summary		Get a study
//	@Description	One study with its themes, strands, disadvantage focus and the interventions it evaluates embedded.
//	@Tags			studies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			id	path		string	true	"Study id"	example(lindsay-2008)
//	@Success		200	{object}	StudyDetail
//	@Failure		400	{object}	Problem	"Malformed id"
//	@Failure		404	{object}	Problem	"No study with that id"
//	@Router			/api/v1/studies/{id} [get]
func (s *Server) getStudy(c *gin.Context) {
	id := c.Param("id")
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	if err := validID("study", id); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.Study(id)
	if err != nil {
		s.fail(c, err)
		return
	}
	rel := StudyRelated{Themes: d.Themes, Strands: d.Strands, DisadvantageFocus: d.Disadvantages, Interventions: []InterventionRef{}}
	for _, iv := range d.Interventions {
		rel.Interventions = append(rel.Interventions, InterventionRef{ID: iv.ID, Name: iv.Name, Stage: iv.Stage, Setting: iv.Setting})
	}
	c.PureJSON(200, StudyDetail{Data: d.Study, Related: rel, Meta: s.versionMeta()})
}

func studyRef(st models.Study) StudyRef {
	return StudyRef{ID: st.ID, Title: st.Title, Authors: st.Authors, Year: st.Year, Design: st.Design, URL: st.URL}
}
