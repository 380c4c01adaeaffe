package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// The resource templates: a URI per study and per intervention. Reading one gives what
// get_study or get_intervention gives, as JSON. Records are not listed one by one (there
// may be 100,000): search_studies and find_interventions give their URIs.
const (
	StudyTemplate        = URIScheme + "://studies/{id}"
	InterventionTemplate = URIScheme + "://interventions/{id}"
)

func (a *agent) addResources(s *mcp.Server) {
	s.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "study",
		Title:       "A study of the review",
		Description: "One study (2008–2014) as get_study gives it: bibliographic fields (null where the source gives none), summary, findings, tags, the interventions it evaluates and its APA reference.",
		MIMEType:    "application/json",
		URITemplate: StudyTemplate,
	}, a.readRecord)
	s.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "intervention",
		Title:       "An intervention and its evidence",
		Description: "One intervention as get_intervention gives it: its typed evidence items and the evidence summary computed from them.",
		MIMEType:    "application/json",
		URITemplate: InterventionTemplate,
	}, a.readRecord)
}

// readRecord answers a study's or an intervention's URI.
func (a *agent) readRecord(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	c := a.newCall(ctx)
	var record any
	var err error
	switch {
	case strings.HasPrefix(uri, URIScheme+"://studies/"):
		id := strings.TrimPrefix(uri, URIScheme+"://studies/")
		if err = httpio.ValidID(models.KindStudy, id); err == nil {
			record, err = c.studyRecord(id)
		}
	case strings.HasPrefix(uri, URIScheme+"://interventions/"):
		id := strings.TrimPrefix(uri, URIScheme+"://interventions/")
		if err = httpio.ValidID(models.KindIntervention, id); err == nil {
			record, err = c.interventionRecord(id)
		}
	default:
		return nil, mcp.ResourceNotFoundError(uri)
	}
	if err != nil {
		var e *models.Error
		if errors.As(err, &e) && (e.Code == models.ENotFound || e.Code == models.EInvalid) {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		return nil, a.toolError("resources/read", err)
	}
	b, err := json.Marshal(record)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", uri, err)
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
}

// PromptEvidenceBrief is the prompt that frames an evidence brief.
const PromptEvidenceBrief = "evidence_brief"

func (a *agent) addPrompt(s *mcp.Server) {
	s.AddPrompt(&mcp.Prompt{
		Name:        PromptEvidenceBrief,
		Title:       "Evidence brief",
		Description: "Answer a question on parental engagement from the review's evidence: the interventions that fit, how strong the evidence for each is (in the evidence base's own words), and citations.",
		Arguments: []*mcp.PromptArgument{
			{Name: "question", Title: "Question", Description: "The question to brief on, such as \"What works for engaging fathers of primary-age children?\"", Required: true},
			{Name: "disadvantage", Title: "Families", Description: "Optional: a disadvantage-focus slug the brief is about (low-income, eal, fathers, …)"},
			{Name: "stage", Title: "School stage", Description: "Optional: early-years, primary or secondary"},
		},
	}, a.evidenceBrief)
}

func (a *agent) evidenceBrief(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	args := req.Params.Arguments
	question := strings.TrimSpace(args["question"])
	if question == "" {
		return nil, fmt.Errorf("argument \"question\" is required: the question to brief on")
	}
	var finder []string
	if d := strings.TrimSpace(args["disadvantage"]); d != "" {
		finder = append(finder, fmt.Sprintf("disadvantage %q", d))
	}
	if st := strings.TrimSpace(args["stage"]); st != "" {
		finder = append(finder, fmt.Sprintf("stage %q", st))
	}
	step1 := "1. Find the interventions that fit the question with find_interventions: choose its disadvantage, stage, setting and theme (and keywords in q) from the question."
	if len(finder) > 0 {
		step1 = "1. Find the interventions that fit the question with find_interventions, with " + strings.Join(finder, " and ") + ", and any setting, theme or keywords the question names."
	}
	text := fmt.Sprintf(`Write an evidence brief answering this question from the parental engagement evidence base (studies published 2008–2014):

%s

Steps:
%s
2. For the most relevant interventions (at most five), call get_intervention. For how strong the evidence is, quote its evidence_summary.statement word for word; then name the evidence items behind it (kind, result, and the result_fact a result is read from). Do not grade designs or weigh results beyond what the statement says, and mark anything outside the 2008–2014 window as context only.
3. Where the question is about studies rather than programmes, or no intervention has an impact evaluation, search the studies with search_studies (the same choices as filter clauses, such as disadvantage:fathers,stage:primary).
4. Cite every study you rely on with cite (style apa), and link each intervention and study by its page_url.

Rules: every fact comes from the tools' answers. A null field is not known: say so, never fill it in. Say when a theme or strand is provisional. End with the dataset_version and the review window the answer was read from.`, question, step1)
	return &mcp.GetPromptResult{
		Description: "An evidence brief: question → interventions → summaries → citations",
		Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
	}, nil
}
