// Command evidence-kb serves the evidence review on parental and family engagement in
// children's learning (studies 2008–2014) as a queryable knowledge base.
//
//	@title						Parental engagement evidence base API
//	@version					1.0
//	@description				A live, queryable knowledge base of the evidence review "Parental Engagement: What Works?" — studies published 2008–2014 on parental and family engagement in children's learning, the six key themes the review is organised by, and the interventions those studies evaluate. Every record is tagged by strand (the four strands of government activity on parental engagement) and by disadvantage focus. Errors are RFC 9457 problem documents (application/problem+json). Responses carry a weak ETag and honour If-None-Match. Every GET also answers HEAD, with the same status and headers and no body (OpenAPI 3.0 has no way to say so per operation). Every response carries X-Content-Type-Options: nosniff.
//	@license.name				Data: see each record's verified_in sources
//	@BasePath					/
//	@tag.name					studies
//	@tag.description			Published evidence, 2008–2014
//	@tag.name					interventions
//	@tag.description			Named programmes and strategies the studies evaluate
//	@tag.name					vocabularies
//	@tag.description			Themes, strands and disadvantage focus
//	@tag.name					dataset
//	@tag.description			The whole evidence base in one document, for reproducible analyses
//	@tag.name					curation
//	@tag.description			Writes (with a token), record histories, the audit log and imports
//	@tag.name					operations
//	@tag.description			Health probes
//	@securityDefinitions.apikey	BearerToken
//	@in							header
//	@name						Authorization
//	@description				Requests that write need "Authorization: Bearer <token>", with a token made by `evidence-kb token create` (role curator or admin). Reading needs no token.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/peterbourgon/ff/v3"

	"github.com/evidence-kb/parental-engagement/agent"
	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/web"
)

//go:generate go run ./internal/specgen/cmd/specgen

// spec is the generated OpenAPI document, served at /openapi.yaml.
//
//go:embed openapi.yaml
var spec []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for usage errors, 0 for -help, 1 for everything else.
func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

type usageError struct{ error }

// run is the whole program: it parses args, and either runs a subcommand (validate,
// generate, token, import) or serves until ctx ends. ready, when not nil, receives the
// address the server listens on.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	if len(args) > 0 {
		switch args[0] {
		case "validate":
			return validate(args[1:], stdout)
		case "generate":
			return generate(args[1:], stdout, stderr)
		case "token":
			return token(ctx, args[1:], stdout, stderr)
		case "import":
			return importDataset(ctx, args[1:], stdout, stderr)
		case "mcp":
			return mcpCommand(ctx, args[1:], stdout, stderr)
		case "backup":
			return backupCommand(ctx, args[1:], stdout, stderr)
		case "restore":
			return restoreCommand(ctx, args[1:], stdout, stderr)
		}
	}
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	log := cfg.logger(stderr)
	st, err := store.Open(ctx, store.Options{DB: cfg.db, Seed: cfg.seed, Logger: log, Image: store.ImagePath(cfg.image, cfg.db)})
	if err != nil {
		return err
	}
	defer st.Close()
	// Building the catalogue allocates several times what it keeps: give the garbage back
	// to the operating system now, rather than hold it as resident memory until the
	// runtime's scavenger gets round to it.
	debug.FreeOSMemory()

	cfg.api.Logger, cfg.edge.Logger = log, log
	jsonAPI, err := api.Routes(st, cfg.api)
	if err != nil {
		return err
	}
	srv, err := edge.New(cfg.edge, jsonAPI, agent.Routes(st, agent.Options{Logger: log}), web.Routes(st, log))
	if err != nil {
		return err
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	go st.Follow(followCtx, cfg.poll) // other replicas' writes, within one interval

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	log.Info("serving", "addr", ln.Addr().String(), "db", cfg.db, "dataset_version", st.DatasetVersion(), "docs", "/docs")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	return srv.Serve(ctx, ln)
}

// serveConfig is the server's configuration, read from flags and KB_ variables and
// checked whole before anything is opened.
type serveConfig struct {
	addr, db, image, logFormat string
	seed                       *store.Seed
	poll                       time.Duration
	edge                       edge.Config
	api                        api.Options
}

const serveUsage = `Usage:
  evidence-kb [flags]                          serve the API and the web finder
  evidence-kb validate [FILE]                  check a dataset file (default: the embedded one)
  evidence-kb generate [-studies N] [-seed S]  write a synthetic dataset, for benchmarks
  evidence-kb token create|list|revoke         manage the API tokens of curators and admins
  evidence-kb import [-dry-run] FILE           make the store hold exactly this dataset (audited)
  evidence-kb mcp [-db STORE] [-base-url URL]  answer an AI assistant over MCP on stdio (see also POST /mcp)
  evidence-kb backup [-db STORE] -o FILE       write an archive of every table, consistent, while servers run
  evidence-kb restore [-db STORE] -i FILE      load an archive into an empty store of either kind (-force replaces)

Flags:
`

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var cfg serveConfig
	fs := newFlagSet("evidence-kb", serveUsage, stderr)
	var (
		origins, proxies, dataset string
		rate                      edge.RateLimit
		maxLag                    time.Duration
	)
	fs.StringVar(&cfg.addr, "addr", ":8080", "listen address (env KB_ADDR)")
	dbFlag(fs, &cfg.db)
	fs.StringVar(&origins, "cors-origins", "*", "comma-separated origins allowed to read the API, or * (env KB_CORS_ORIGINS)")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json (env KB_LOG_FORMAT)")
	fs.Int64Var(&cfg.edge.MaxBodyBytes, "max-body-bytes", edge.DefaultMaxBodyBytes, "largest request body accepted (env KB_MAX_BODY_BYTES)")
	fs.Float64Var(&rate.Rate, "rate-limit", edge.DefaultRateLimit, "requests per second per client (an export or a search counts as several); 0 turns rate limiting off (env KB_RATE_LIMIT)")
	fs.IntVar(&rate.Burst, "rate-burst", edge.DefaultRateBurst, "the most a client may spend at once, in requests (env KB_RATE_BURST)")
	fs.IntVar(&cfg.edge.MaxExports, "max-exports", 0, "how many exports may stream at once, server-wide; 0 for half the CPUs, at least 1 (env KB_MAX_EXPORTS)")
	fs.IntVar(&cfg.api.ExportRate, "export-rate", api.DefaultExportRate, "records a second each export streams at most; 0 for no pacing (env KB_EXPORT_RATE)")
	fs.IntVar(&cfg.edge.QuerySlots, "query-slots", 0, "how many costly requests (searches, facets, maps, export blocks) do query work at once, server-wide, shared fairly between clients (one fewer while several have such work); 0 for the CPUs (env KB_QUERY_SLOTS)")
	fs.StringVar(&proxies, "trusted-proxies", "", "comma-separated IPs and CIDRs of proxies whose X-Forwarded-For or Forwarded header names the client (env KB_TRUSTED_PROXIES)")
	fs.StringVar(&dataset, "dataset", "", "seed an empty store from this dataset file instead of the embedded one; a store that holds data keeps it, and takes only a newer version of the dataset it was seeded from while nobody has edited it (env KB_DATASET)")
	fs.DurationVar(&cfg.poll, "poll-interval", 250*time.Millisecond, "how often to look for writes other processes made to the database (env KB_POLL_INTERVAL)")
	fs.DurationVar(&maxLag, "max-lag", api.DefaultMaxLag, "/readyz fails when this process has not caught up with the database for this long (env KB_MAX_LAG)")
	fs.StringVar(&cfg.image, "catalog-image", "", "a file to keep the catalogue image in, so a restart need not rebuild the indexes; default: beside a SQLite file, or in the user's cache directory for PostgreSQL; off for none (env KB_CATALOG_IMAGE)")
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	var err error
	check := func(ok bool, message string) {
		if !ok && err == nil {
			err = usageError{errors.New(message)}
		}
	}
	check(cfg.logFormat == "text" || cfg.logFormat == "json", fmt.Sprintf("-log-format must be text or json, not %q", cfg.logFormat))
	check(cfg.edge.MaxBodyBytes >= 1, "-max-body-bytes must be at least 1")
	check(cfg.edge.MaxExports >= 0 && cfg.edge.QuerySlots >= 0 && cfg.api.ExportRate >= 0, "-max-exports, -query-slots and -export-rate must be 0 or more")
	check(rate.Rate >= 0 && rate.Burst >= 1, "-rate-limit must be 0 or more, and -rate-burst at least 1")
	check(cfg.poll > 0 && maxLag > cfg.poll, "-poll-interval must be positive and shorter than -max-lag")
	if err != nil {
		return cfg, err
	}
	if cfg.edge.CORSOrigins, err = edge.ParseCORSOrigins(origins); err != nil {
		return cfg, usageError{fmt.Errorf("-cors-origins: %w", err)}
	}
	if rate.TrustedProxies, err = edge.ParseTrustedProxies(proxies); err != nil {
		return cfg, usageError{fmt.Errorf("-trusted-proxies: %w", err)}
	}
	cfg.seed = store.EmbeddedSeed()
	if dataset != "" {
		if cfg.seed, err = store.FileSeed(dataset); err != nil {
			return cfg, usageError{fmt.Errorf("-dataset: %w", err)}
		}
	}
	cfg.edge.RateLimit, cfg.api.MaxLag, cfg.api.Spec = rate, maxLag, spec
	return cfg, nil
}

// logger writes to stderr in the configured format.
func (cfg serveConfig) logger(stderr io.Writer) *slog.Logger {
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(stderr, nil))
	}
	return slog.New(slog.NewTextHandler(stderr, nil))
}

// newFlagSet is the flags of the program or of one of its subcommands, which print usage
// and their defaults on -help.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags reads args, and KB_ variables for the flags args does not set: -help is
// flag.ErrHelp, anything else amiss a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("KB")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

// dbFlag is the -db flag, the same for the server and every subcommand.
func dbFlag(fs *flag.FlagSet, db *string) {
	fs.StringVar(db, "db", "kb.db", "the store: a SQLite file (created if missing) or a postgres:// URL (env KB_DB)")
}

// validate checks a dataset file, or the embedded dataset, and lists every problem.
func validate(args []string, stdout io.Writer) error {
	if len(args) > 1 {
		return usageError{errors.New("validate takes at most one file")}
	}
	raw, name := store.EmbeddedDataset(), "embedded dataset"
	if len(args) == 1 {
		b, err := os.ReadFile(args[0])
		if err != nil {
			return err
		}
		raw, name = b, args[0]
	}
	d, err := models.ParseDataset(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	errs := d.Validate()
	for _, e := range errs {
		fmt.Fprintf(stdout, "%s: %s\n", e.Field, e.Reason)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %d problems", name, len(errs))
	}
	fmt.Fprintf(stdout, "%s is valid: %d studies, %d interventions, %d themes, %d strands, %d disadvantage-focus values (version %s)\n",
		name, len(d.Studies), len(d.Interventions), len(d.Themes), len(d.Strands), len(d.Disadvantages), models.DocumentVersion(raw))
	return nil
}

// generate writes a deterministic synthetic dataset shaped like the embedded one.
func generate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", "Usage:\n  evidence-kb generate [-studies N] [-seed S] > FILE\n\nFlags:\n", stderr)
	n := fs.Int("studies", 100_000, "number of studies (about a tenth as many interventions)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same dataset")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return usageError{errors.New("-studies must be at least 1")}
	}
	base, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	return enc.Encode(synth.Generate(base, *n, *seed))
}
