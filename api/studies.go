package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// listStudies godoc
//
//	@Summary		List studies
//	@ID				listStudies
//	@Description	Studies of the review (2008–2014), filtered, searched, sorted and paged.
//	@Description
//	@Description	**filter** (OpenAlex style): `field:value` clauses joined by commas are ANDed (so is a repeated `filter` parameter). `a|b` is OR within a field, `!a` negates, numbers take `2010-2014`, `>100`, `<=0.2`, and `null` matches a missing value.
//	@Description	Fields: `theme`, `strand`, `disadvantage`, `design`, `stage`, `country`, `type`, `year`, `sample_size`, `effect_size`, `has_doi`, `has_url`, `has_sample_size`, `has_effect_size`, `author`, `doi`, `id`, and the relation `intervention` (an intervention id, or `intervention.<field>:<value>` on the interventions' own fields).
//	@Description	Examples: `theme:family-learning,year:2010-2014,design:RCT|quasi-experimental`; `disadvantage:eal,has_effect_size:true`; `intervention.setting:home`.
//	@Description
//	@Description	**q** searches titles, authors, summaries and findings: words (stemmed, case- and accent-insensitive), `"phrases"`, `prefix*`, `AND`, `OR`, `NOT`, `-word`, parentheses. Abbreviations of the field and their phrases find each other, from one curated list (`EAL` also searches "english as an additional language" and "new to english"; likewise SEN/SEND/ASN, FSM, GRT, LAC/CLA/looked-after, ESOL, SIMD, NEET and programme acronyms; SEND, LAC and FAST only in capitals, since they are also words). Results then sort by relevance and carry a `match` with highlighted snippets: the words matched in `<mark>`, a phrase (quoted, or a synonym's, such as "english as an additional language" for `EAL`) only where it stands whole, and never a stop word ("a", "as", "the", …) on its own.
//	@Description
//	@Description	**Did you mean**: when a word of `q` matches nothing, the list carries `did_you_mean`, `{"q": "Triple P", "total": 4}` for `q=Tripple P`: `q` with each such word replaced by the closest word of the evidence base (the words of titles, authors, summaries, findings, intervention names and the synonym list) — Damerau–Levenshtein distance, a swap of two letters being one edit: no edit in words of up to 4 letters, 1 in words of 5–8, 2 from 9, an error in the first letter counting 2; of equally close words the most frequent — and the rest of `q` kept as sent; `total` is what the corrected search finds with the same `filter`. It is offered only when that is at least one record, never for words the evidence base holds, nor for negated words and prefixes; otherwise `did_you_mean` is null. The results are always those of `q` as sent: a client shows the suggestion and lets the person choose.
//	@Description
//	@Description	**Exports and citations**: `format` (or the `Accept` header; `format` wins) turns the list into a download of *every* matching record, in the list's order, with the same `filter`, `q` and `sort`: `csv` (text/csv, RFC 4180, one row per study, multi-valued cells joined with `; `, findings with ` | `), `ndjson` (application/x-ndjson, one study per line), `bibtex` (application/x-bibtex), `ris` (application/x-research-info-systems), `csl-json` (application/vnd.citationstyles.csl+json, an array) or `apa` (text/x-bibliography, an APA 7th reference list, one reference per line). Exports take no `page`, `per_page`, `cursor`, `facets`, `facet_mode`, `total` or `fields`; a query that matches nothing exports an empty file (a CSV header row, `[]` for CSL-JSON).
//	@Description
//	@Description	**Feeds**: `format=atom` (application/atom+xml, RFC 4287) or `format=jsonfeed` (application/feed+json, JSON Feed 1.1) follows the query: the 50 most recently changed studies that match `filter` and `q` (a feed takes no other parameter), newest first. Each entry is dated by the record's last change in the audit log and says whether that created it or changed it (Atom: a category of scheme `urn:evidence-kb:change`, term `created` or `changed`; JSON Feed: `_change`); a record no write has touched is dated by when the store was seeded. Entry ids are the records' page addresses, stable across changes, so a reader shows a changed record as updated. A curator's change shows in every feed it matches at once. Conditional GET: `If-None-Match` with the ETag, or `If-Modified-Since` with `Last-Modified` (the newest entry's date), answers 304 while the feed is unchanged.
//	@Description	The studies' feeds carry each study's summary; the interventions' feeds add the evidence summary.
//	@Tags			studies
//	@Produce		json
//	@Produce		text/csv
//	@Produce		application/x-ndjson
//	@Produce		application/x-bibtex
//	@Produce		application/x-research-info-systems
//	@Produce		application/vnd.citationstyles.csl+json
//	@Produce		text/x-bibliography
//	@Produce		application/atom+xml
//	@Produce		application/feed+json
//	@Produce		application/problem+json
//	@Param			filter		query		string	false	"Filter in the grammar above. Fields: `id`, `theme`, `strand`, `disadvantage`, `design`, `stage`, `country`, `type`, `year`, `sample_size`, `effect_size`, `has_doi`, `has_url`, `has_sample_size`, `has_effect_size`, `author`, `doi`, `intervention` (a relation). GET /api/v1/vocabularies lists each field's type, operators and values with their labels. At most 50 clauses, 32 values per clause (repeats count once) and 256 values in all; the whole URL at most 8192 bytes (414)."	example(theme:supporting-vulnerable-families,year:2010-2014)
//	@Param			q			query		string	false	"Full-text search. At most 1000 characters and 32 terms; a prefix* may stand for at most 200 words, all prefixes together for 400. A word that matches nothing gets a correction in did_you_mean."				maxLength(1000)	example(dialogic reading)
//	@Param			sort		query		string	false	"Sort keys (at most 4), comma-separated; '-' for descending. Keys: year, title, author, sample_size, effect_size, id, relevance (with q). Default: -year,title, or relevance when searching"	example(-year,title)
//	@Param			page		query		int		false	"Page number (offset paging; at most 10,000 records deep); a page past the last is refused (400)"	minimum(1)	maximum(10000000)	default(1)	example(1)
//	@Param			per_page	query		int		false	"Records per page"	minimum(1)	maximum(100)	default(20)	example(20)
//	@Param			cursor		query		string	false	"Cursor paging: '*' for the first page, then meta.next_cursor"	minLength(1)	example(*)
//	@Param			facets		query		string	false	"Comma-separated fields to count: `theme`, `strand`, `disadvantage`, `design`, `stage`, `country`, `type`, `year` (the facetable fields of GET /api/v1/vocabularies)"	example(theme,design)
//	@Param			facet_mode	query		string	false	"filtered: counts over the result; disjunctive: each facet counted with its own filter removed"	Enums(filtered, disjunctive)	example(disjunctive)
//	@Param			total		query		bool	false	"Set false to skip the total"	default(true)	example(false)
//	@Param			fields		query		string	false	"Sparse fieldset: the record fields to return, comma-separated"	example(id,title,year)
//	@Param			include		query		string	false	"Related records to embed in each item under included, comma-separated: themes, strands, disadvantage_focus, interventions"	example(themes,interventions)
//	@Param			format		query		string	false	"json: a page of the list; atom or jsonfeed: a feed of the most recently changed matching records; any other: an export of every matching record"	Enums(json, csv, ndjson, bibtex, ris, csl-json, apa, atom, jsonfeed)	default(json)	example(csv)
//	@Param			bom			query		bool	false	"format=csv only: start the file with a UTF-8 byte order mark, which Excel needs to read it as UTF-8"	default(false)	example(false)
//	@Success		200			{object}	StudyList	"A page of studies (JSON), with did_you_mean (null unless a word of q matched nothing), an export of every matching study in the requested format, or a feed"
//	@Failure		400			{object}	Problem
//	@Failure		406			{object}	Problem	"The Accept header rules out every format"
//	@Failure		503			{object}	Problem	"Feeds: the database, which dates the entries, is unavailable (Retry-After)"
//	@Header			200			{string}	Link				"JSON: RFC 8288 links: first, prev, next"
//	@Header			200			{string}	Last-Modified		"Feeds: the date of the newest entry"
//	@Header			200			{string}	Content-Disposition	"Exports: attachment; filename=studies-VERSION.EXT, VERSION being the dataset version"
//	@Header			200			{string}	Trailer	"Exports: X-Export-Status, a trailer sent as complete at the end of a whole export; an export that fails mid-stream has no trailer and an incomplete chunked body"
//	@Router			/api/v1/studies [get]
func (s *Server) listStudies(c *gin.Context) {
	if s.answeredAsExport(c, studyListFormats, s.exportStudies) {
		return
	}
	serveList(s, c, studyRelations, s.snapshot(c).Studies, func(r listRequest, st models.Study, m *Match) (StudyItem, error) {
		item := StudyItem{Study: st, Match: m}
		var err error
		if len(r.include) > 0 {
			item.Included, err = s.studyIncluded(c, r, st.ID)
		}
		return item, err
	})
}

// getStudy godoc
//
//	@Summary		Get a study
//	@ID				getStudy
//	@Description	One study with its themes, strands, disadvantage focus and the interventions it evaluates embedded.
//	@Description
//	@Description	Or its citation, chosen by `format` or by the `Accept` header as in DOI content negotiation (`format` wins): `bibtex` (application/x-bibtex), `ris` (application/x-research-info-systems), `csl-json` (application/vnd.citationstyles.csl+json, an array of one item) or `apa` (text/x-bibliography, an APA 7th reference). Citation keys are the same as in list exports.
//	@Tags			studies
//	@Produce		json
//	@Produce		application/x-bibtex
//	@Produce		application/x-research-info-systems
//	@Produce		application/vnd.citationstyles.csl+json
//	@Produce		text/x-bibliography
//	@Produce		application/problem+json
//	@Param			id		path		string	true	"Study id"	example(lindsay-2008)
//	@Param			format	query		string	false	"json: the study and its related records; any other: its citation"	Enums(json, bibtex, ris, csl-json, apa)	default(json)	example(bibtex)
//	@Success		200		{object}	StudyDetail	"The study (JSON), or its citation in the requested format"
//	@Failure		400		{object}	Problem		"Malformed id or format"
//	@Failure		404		{object}	Problem		"No study with that id"
//	@Failure		406		{object}	Problem		"The Accept header rules out every format"
//	@Header			200		{string}	Content-Disposition	"Citations: inline; filename=ID.EXT"
//	@Router			/api/v1/studies/{id} [get]
func (s *Server) getStudy(c *gin.Context) {
	id := c.Param("id")
	f, ok := s.negotiate(c, studyFormats)
	if !ok {
		return
	}
	if _, err := httpio.ParseParams(c.Request.URL.Query(), "format"); err != nil {
		s.fail(c, err)
		return
	}
	if err := httpio.ValidID("study", id); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.snapshot(c).Study(id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if f != formatJSON {
		s.writeCitation(c, f, d.Study)
		return
	}
	s.writeDetail(c, http.StatusOK, models.KindStudy, id)
}

// studyIncluded gathers the relations a list request asked to embed.
func (s *Server) studyIncluded(c *gin.Context, r listRequest, id string) (*StudyIncluded, error) {
	d, err := s.snapshot(c).Study(id)
	if err != nil {
		return nil, err
	}
	rel := studyRelated(d)
	return &StudyIncluded{
		Themes:            ifIncluded(r, "themes", &rel.Themes),
		Strands:           ifIncluded(r, "strands", &rel.Strands),
		DisadvantageFocus: ifIncluded(r, "disadvantage_focus", &rel.DisadvantageFocus),
		Interventions:     ifIncluded(r, "interventions", &rel.Interventions),
	}, nil
}

func studyRelated(d *catalog.StudyRecord) StudyRelated {
	rel := StudyRelated{Themes: d.Themes, Strands: d.Strands, DisadvantageFocus: d.Disadvantages, Interventions: []InterventionRef{}}
	for _, iv := range d.Interventions {
		rel.Interventions = append(rel.Interventions, InterventionRef{ID: iv.ID, Name: iv.Name, Stage: iv.Stage, Setting: iv.Setting})
	}
	return rel
}

func studyRef(st models.Study) StudyRef {
	return StudyRef{ID: st.ID, Title: st.Title, Authors: st.Authors, Year: st.Year, Design: st.Design, URL: st.URL}
}
