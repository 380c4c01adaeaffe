// Package agent serves the evidence base to AI assistants over the Model Context Protocol
// (MCP), with the official Go SDK: read-only tools (search, records, the finder, the
// evidence map, citations, the glossary), a resource per study and intervention, and one
// prompt that frames an evidence brief. The same server answers over stdio (the mcp
// subcommand, for desktop assistants) and over Streamable HTTP at /mcp (Routes, through
// the edge, stateless, in JSON).
//
// Every answer is read from one catalogue snapshot, through the same engine calls the JSON
// API makes, so a tool and the matching API request agree record for record. Every answer
// carries the dataset version, the review window and absolute URLs of the records it
// names; a field the evidence base does not give is null, never filled in. A bad argument
// is a tool error (isError) that names the argument and says why.
package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// Snapshots is where the agent reads the evidence base: the store's current catalogue.
// Each tool call reads one snapshot throughout.
type Snapshots interface {
	Catalog() *catalog.Catalog
}

// Options configure the agent. A zero field takes its default.
type Options struct {
	Logger *slog.Logger
	// BaseURL is the site the records' URLs are on when the agent is not answering an HTTP
	// request (stdio): the server a person would open. Over HTTP, each request's own
	// scheme and host are used, as the API's links are.
	BaseURL string
	// QueryTimeout bounds the query work of one tool call over stdio. Over HTTP the edge's
	// query timeout bounds it, as it bounds any request's.
	QueryTimeout time.Duration
	// Version is the server's version, as the MCP handshake reports it.
	Version string
}

// DefaultBaseURL is the base URL of stdio answers: the server on its default address.
const DefaultBaseURL = "http://localhost:8080"

// MaxBodyBytes bounds a request to /mcp: a tool call's arguments are a few hundred bytes,
// and the longest (cite with 100 ids) a few kilobytes.
const MaxBodyBytes = 64 << 10

// The name and URI scheme the server goes by.
const (
	ServerName = "evidence-kb"
	URIScheme  = "evidence-kb"
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.BaseURL = strings.TrimRight(cmp.Or(o.BaseURL, DefaultBaseURL), "/")
	o.QueryTimeout = cmp.Or(o.QueryTimeout, edge.DefaultQueryTimeout)
	if o.Version == "" {
		o.Version = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			o.Version = bi.Main.Version
		}
	}
	return o
}

// CheckBaseURL reads a -base-url value: an absolute http(s) URL with a host, and nothing
// after it but an optional path prefix.
func CheckBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute http(s) URL such as %s", s, DefaultBaseURL)
	}
	return nil
}

// agent holds what the tools share.
type agent struct {
	src  Snapshots
	opts Options
}

// NewServer is the MCP server over src: its tools, resource templates and prompt. Serve
// runs one over stdio; Routes serves one over HTTP.
func NewServer(src Snapshots, opts Options) *mcp.Server {
	a := &agent{src: src, opts: opts.withDefaults()}
	return a.server()
}

// instructions are what the server tells an assistant when it connects.
const instructions = `This server is the evidence base of the review "Parental Engagement: What Works?": studies published 2008–2014 on parental and family engagement in children's learning, the interventions they evaluate, six themes, four strands and the disadvantaged groups each record concerns.

Rules for answering from it:
- Every field comes from the evidence base. A null field means the source does not give it: say it is not known; never fill it in or guess it.
- For how strong the evidence for an intervention is, quote its evidence_summary.statement. It is computed from the intervention's typed evidence items, not a judgement: do not grade designs or weigh results beyond what it says.
- The review covers 2008–2014 (meta.review_window). Evidence from before or after is context only, and is marked so.
- Three themes and all four strands are provisional: their names are the curators', not the review's (provisional: true). Say so when you name them.
- Cite studies with the cite tool (APA, BibTeX, RIS or CSL-JSON), and link records by their page_url.`

func (a *agent) server() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{
		Name:    ServerName,
		Title:   "Parental engagement evidence base",
		Version: a.opts.Version,
	}, &mcp.ServerOptions{
		Instructions: instructions,
		Logger:       a.opts.Logger,
		// no logging capability: this server sends no log messages
		Capabilities: &mcp.ServerCapabilities{},
	})
	a.addTools(s)
	s.AddReceivingMiddleware(a.guard)
	a.addResources(s)
	a.addPrompt(s)
	return s
}

// call is what one tool call reads: one snapshot, the base URL its links are on, how long
// its query work may take, and how it lets go of its query slot once that work is done.
type call struct {
	cat     *catalog.Catalog
	base    string
	timeout time.Duration
	release func()
}

// viaHTTP is what the /mcp route tells the tools of the HTTP request they answer: the
// scheme and host it was sent to, the edge's query timeout, and its query slot.
type viaHTTP struct {
	base    string
	timeout time.Duration
	release func()
	// protocolVersion is the MCP version the client negotiated, from the
	// Mcp-Protocol-Version header it sends after initializing ("" when it sends none)
	protocolVersion string
}

type viaHTTPKey struct{}

// newCall starts a tool call. Over HTTP the SDK runs the handlers in the request's
// context, where the route left viaHTTP; over stdio the options stand.
func (a *agent) newCall(ctx context.Context) call {
	c := call{cat: a.src.Catalog(), base: a.opts.BaseURL, timeout: a.opts.QueryTimeout, release: func() {}}
	if h, ok := ctx.Value(viaHTTPKey{}).(*viaHTTP); ok {
		c.base, c.timeout, c.release = h.base, h.timeout, h.release
	}
	return c
}

// structuredContentSince is the first MCP version with structured tool results: a client
// that negotiated it or a later one reads a result's structuredContent.
const structuredContentSince = "2025-06-18"

// readsStructuredContent says whether the client of a call negotiated a protocol version
// with structured tool results: over HTTP by the header it sends with every request, over
// stdio by its initialize. Versions are dates, which compare as strings.
func readsStructuredContent(ctx context.Context, req *mcp.CallToolRequest) bool {
	version := ""
	if h, ok := ctx.Value(viaHTTPKey{}).(*viaHTTP); ok {
		version = h.protocolVersion
	} else if req.Session != nil {
		if p := req.Session.InitializeParams(); p != nil {
			version = p.ProtocolVersion
		}
	}
	return version >= structuredContentSince
}

// queryContext bounds a call's query work.
func (c call) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// Meta is what every answer carries: which version of the evidence base it was read from,
// and the review window.
type Meta struct {
	DatasetVersion string       `json:"dataset_version" jsonschema:"the version of the evidence base this answer was read from; the API's meta.dataset_version"`
	ReviewWindow   ReviewWindow `json:"review_window"`
}

// ReviewWindow is the publication years the review covers.
type ReviewWindow struct {
	From int    `json:"from"`
	To   int    `json:"to"`
	Note string `json:"note"`
}

const windowNote = "The review covers studies published 2008–2014; evidence from before or after is context only."

func (c call) meta() Meta {
	return Meta{DatasetVersion: c.cat.Version(), ReviewWindow: ReviewWindow{From: models.FirstYear, To: models.LastYear, Note: windowNote}}
}

// The paths of the site's pages for people, which the answers link to (the API's paths are
// httpio's).
const (
	studyPagePath        = "/studies/"
	interventionPagePath = "/interventions/"
)

func (c call) studyPage(id string) string { return c.base + studyPagePath + url.PathEscape(id) }
func (c call) interventionPage(id string) string {
	return c.base + interventionPagePath + url.PathEscape(id)
}
func (c call) studyAPI(id string) string {
	return c.base + httpio.APIPath("/studies/"+url.PathEscape(id))
}
func (c call) interventionAPI(id string) string {
	return c.base + httpio.APIPath("/interventions/"+url.PathEscape(id))
}

// apiURL is an API resource with a query, in the API's canonical form (keys in order).
func (c call) apiURL(resource string, q url.Values) string {
	u := c.base + httpio.APIPath(resource)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// studyURI and interventionURI are the records' resource URIs.
func studyURI(id string) string        { return URIScheme + "://studies/" + id }
func interventionURI(id string) string { return URIScheme + "://interventions/" + id }

// argumentOf names the tool argument that carries each part of a query the engine can
// object to, where the two names differ.
var argumentOf = map[string]string{
	catalog.PartSearch:     "q",
	catalog.PartPageSize:   "limit",
	catalog.PartMapColumns: "cols",
}

// maxValidShown bounds the valid values an error lists.
const maxValidShown = 30

// toolError words an error as a tool error: the argument at fault and why, in the tools'
// names for the engine's parts. Nothing internal is shown.
func (a *agent) toolError(tool string, err error) error {
	var e *models.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return errors.New("the query took longer than the most one call may take; narrow the filter or the search")
	case errors.As(err, &e) && e.Code == models.EInvalid:
		var parts []string
		for _, f := range e.Fields {
			name := f.Field
			if arg, ok := argumentOf[name]; ok {
				name = arg
			}
			part := fmt.Sprintf("invalid argument %q: %s", name, strings.TrimPrefix(f.Reason, name+": "))
			if len(f.Valid) > 0 {
				valid := f.Valid
				more := ""
				if len(valid) > maxValidShown {
					valid, more = valid[:maxValidShown], fmt.Sprintf(", … (%d more)", len(f.Valid)-maxValidShown)
				}
				part += " (valid: " + strings.Join(valid, ", ") + more + ")"
			}
			parts = append(parts, part)
		}
		if len(parts) == 0 {
			parts = append(parts, e.Message)
		}
		return errors.New(strings.Join(parts, "; "))
	case errors.As(err, &e) && e.Code == models.ENotFound:
		return fmt.Errorf("invalid argument %q: %s", "id", e.Message)
	}
	a.opts.Logger.Error("mcp tool failed", "tool", tool, "error", err)
	return errors.New("the evidence base could not answer this call; it has been logged")
}

// Serve answers one assistant over stdio (newline-delimited JSON-RPC on in and out) until
// in ends or ctx does. Nothing but protocol messages is written to out.
func Serve(ctx context.Context, src Snapshots, opts Options, in io.Reader, out io.Writer) error {
	err := NewServer(src, opts).Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(in), Writer: nopCloser{out}})
	if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
		return nil // the assistant went away, or we were told to stop
	}
	return err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
