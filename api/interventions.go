package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// listInterventions godoc
//
//	@Summary		List interventions
//	@ID				listInterventions
//	@Description	Named programmes and strategies the studies evaluate, filtered, searched, sorted and paged, in the same grammar as studies.
//	@Description
//	@Description	Filter fields: `theme`, `strand`, `disadvantage`, `stage`, `setting`, `country` (of origin), `study_count`, `evidence_kind` (impact, process, review, description), `evidence_result` (positive, mixed, no-effect, negative, not-reported), `evidence_window` (in, before, after) — each true when any of the intervention's evidence items has that value —, `id`, and the relation `study` (a study id, or `study.<field>:<value>` on the studies' own fields).
//	@Description	**Evidence summary**: each item carries `evidence_summary`, computed from its typed evidence items, never typed in. `impact_studies` counts the impact items (measured effects on outcomes) published inside the review window 2008–2014; `by_design` counts them by the design of the study each links to, or, for an item that links to no study in the review, the design the item states (`unknown` when neither says), `by_result` by result (`positive`, `mixed`, `no-effect`, `negative`, `not-reported`: only what a reference fact states, quoted in the item's `result_fact`). `impact_outside_window` counts impact items published before 2008 or after 2014 (context only), `other_evidence` the other items in the window by kind (`process`, `review`, `description`). `statement` says the same in one plain-language account: designs with the results their items state, null and negative results first, then the items without a stated result; "No impact evaluation in this review." when there is none; items outside the window in a sentence of their own. No design is graded and no result weighed: the statement is not the review's judgement, only what the items say.
//	@Description
//	@Description	**Stage rule**: a programme for all stages is a programme for each stage, so `stage:early-years`, `stage:primary` and `stage:secondary` also match interventions whose `stage` is `all` (in filters and in the facet counts beside them, which therefore need not add up to the total). `stage:all` matches only those for all stages; `stage:!primary` excludes them. Studies' `stage` (and `study.stage`) keeps the plain rule.
//	@Description	Examples: `disadvantage:low-income,stage:primary` (what works for low-income families at primary, Triple P and other programmes for all stages included); `study.design:RCT` (interventions evaluated by an RCT); `study.disadvantage:eal` (interventions with evidence for EAL families).
//	@Description
//	@Description	**Did you mean**: as on the studies list, a word of `q` that matches nothing (`q=Incedible Years`) gets a correction beside the results, `did_you_mean` `{"q": "Incredible Years", "total": 4}`, when the corrected search finds interventions with the same `filter`; otherwise `did_you_mean` is null. The results are always those of `q` as sent.
//	@Description
//	@Description	**Exports**: `format` (or the `Accept` header; `format` wins) turns the list into a download of every matching intervention, in the list's order: `csv` (text/csv, RFC 4180; the evidence becomes the cells `evidence`, `evidence_study_ids`, `evidence_kind`, `evidence_result` and `evidence_window`, the last three with one entry per evidence item) or `ndjson` (application/x-ndjson). Exports take `filter`, `q` and `sort` only.
//	@Description
//	@Description	**Feeds**: `format=atom` (application/atom+xml, RFC 4287) or `format=jsonfeed` (application/feed+json, JSON Feed 1.1) follows the query: the 50 most recently changed interventions that match `filter` and `q` (a feed takes no other parameter), newest first. Each entry is dated by the record's last change in the audit log and says whether that created it or changed it (Atom: a category of scheme `urn:evidence-kb:change`, term `created` or `changed`; JSON Feed: `_change`); a record no write has touched is dated by when the store was seeded. Entry ids are the records' page addresses, stable across changes, so a reader shows a changed record as updated. A curator's change shows in every feed it matches at once. Conditional GET: `If-None-Match` with the ETag, or `If-Modified-Since` with `Last-Modified` (the newest entry's date), answers 304 while the feed is unchanged.
//	@Description	Each entry carries the intervention's summary and its evidence summary.
//	@Tags			interventions
//	@Produce		json
//	@Produce		text/csv
//	@Produce		application/x-ndjson
//	@Produce		application/atom+xml
//	@Produce		application/feed+json
//	@Produce		application/problem+json
//	@Param			filter		query		string	false	"Filter (see the studies endpoint for the grammar). Fields: `id`, `theme`, `strand`, `disadvantage`, `stage`, `setting`, `country`, `evidence_kind`, `evidence_result`, `evidence_window`, `study_count`, `study` (a relation). GET /api/v1/vocabularies lists each field's type, operators and values with their labels. At most 50 clauses, 32 values per clause (repeats count once) and 256 values in all; the whole URL at most 8192 bytes (414)."	example(disadvantage:low-income,stage:primary)
//	@Param			q			query		string	false	"Full-text search over names, aliases, summaries and evidence, with the studies list's grammar, synonyms (EAL, SEND, FSM, …), highlights and did_you_mean. At most 1000 characters and 32 terms; a prefix* may stand for at most 200 words, all prefixes together for 400."	maxLength(1000)	example(reading)
//	@Param			sort		query		string	false	"Sort keys: name, study_count, id, relevance (with q); '-' for descending. Default: name, or relevance when searching"	example(-study_count,name)
//	@Param			page		query		int		false	"Page number; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	default(1)	example(1)
//	@Param			per_page	query		int		false	"Records per page"	minimum(1)	maximum(100)	default(20)	example(20)
//	@Param			cursor		query		string	false	"Cursor paging: '*' for the first page, then meta.next_cursor"	minLength(1)	example(*)
//	@Param			facets		query		string	false	"Comma-separated fields to count: `theme`, `strand`, `disadvantage`, `stage`, `setting`, `country`, `evidence_kind`, `evidence_result`, `evidence_window` (the facetable fields of GET /api/v1/vocabularies)"	example(stage,setting)
//	@Param			facet_mode	query		string	false	"filtered or disjunctive"	Enums(filtered, disjunctive)	example(disjunctive)
//	@Param			total		query		bool	false	"Set false to skip the total"	default(true)	example(false)
//	@Param			fields		query		string	false	"Sparse fieldset"	example(id,name,stage)
//	@Param			include		query		string	false	"Related records to embed in each item under included, comma-separated: studies, themes, strands, disadvantage_focus"	example(studies)
//	@Param			format		query		string	false	"json: a page of the list; csv or ndjson: an export of every matching intervention; atom or jsonfeed: a feed of the most recently changed matching interventions"	Enums(json, csv, ndjson, atom, jsonfeed)	default(json)	example(csv)
//	@Param			bom			query		bool	false	"format=csv only: start the file with a UTF-8 byte order mark, for Excel"	default(false)	example(false)
//	@Success		200			{object}	InterventionList	"A page of interventions (JSON), with did_you_mean (null unless a word of q matched nothing; see the studies list), an export of every matching intervention, or a feed"
//	@Failure		400			{object}	Problem
//	@Failure		406			{object}	Problem	"The Accept header rules out every format"
//	@Failure		503			{object}	Problem	"Feeds: the database, which dates the entries, is unavailable (Retry-After)"
//	@Header			200			{string}	Link				"JSON: RFC 8288 links: first, prev, next"
//	@Header			200			{string}	Content-Disposition	"Exports: attachment; filename=interventions-VERSION.EXT"
//	@Header			200			{string}	Last-Modified		"Feeds: the date of the newest entry"
//	@Header			200			{string}	Trailer	"Exports: X-Export-Status, a trailer sent as complete at the end of a whole export; an export that fails mid-stream has no trailer and an incomplete chunked body"
//	@Router			/api/v1/interventions [get]
func (s *Server) listInterventions(c *gin.Context) {
	if s.answeredAsExport(c, interventionListFormats, s.exportInterventions) {
		return
	}
	serveList(s, c, interventionRelations, s.snapshot(c).Interventions, func(r listRequest, iv models.Intervention, m *Match) (InterventionItem, error) {
		item := InterventionItem{Intervention: iv, StudyCount: s.snapshot(c).StudyCount(iv.ID), EvidenceSummary: s.snapshot(c).EvidenceSummary(&iv), Match: m}
		var err error
		if len(r.include) > 0 {
			item.Included, err = s.interventionIncluded(c, r, iv.ID)
		}
		return item, err
	})
}

// getIntervention godoc
//
//	@Summary		Get an intervention
//	@ID				getIntervention
//	@Description	One intervention with its computed `evidence_summary` (see the list endpoint for the method), the studies that evaluate it, its themes, strands and disadvantage focus.
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
	if err := httpio.ValidID("intervention", id); err != nil {
		s.fail(c, err)
		return
	}
	s.writeDetail(c, http.StatusOK, models.KindIntervention, id)
}

// interventionIncluded gathers the relations a list request asked to embed.
func (s *Server) interventionIncluded(c *gin.Context, r listRequest, id string) (*InterventionIncluded, error) {
	d, err := s.snapshot(c).Intervention(id)
	if err != nil {
		return nil, err
	}
	rel := interventionRelated(d)
	return &InterventionIncluded{
		Studies:           ifIncluded(r, "studies", &rel.Studies),
		Themes:            ifIncluded(r, "themes", &rel.Themes),
		Strands:           ifIncluded(r, "strands", &rel.Strands),
		DisadvantageFocus: ifIncluded(r, "disadvantage_focus", &rel.DisadvantageFocus),
	}, nil
}

func interventionRelated(d *catalog.InterventionRecord) InterventionRelated {
	rel := InterventionRelated{Studies: []StudyRef{}, Themes: d.Themes, Strands: d.Strands, DisadvantageFocus: d.Disadvantages}
	for _, st := range d.Studies {
		rel.Studies = append(rel.Studies, studyRef(st))
	}
	return rel
}
