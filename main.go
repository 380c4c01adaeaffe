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
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/peterbourgon/ff/v3"

	"github.com/evidence-kb/parental-engagement/api"
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

// catalogImage is where the catalogue image is kept: the -catalog-image flag's value, or
// by default a file beside a SQLite store, or one per database in the user's cache
// directory for PostgreSQL (processes on one machine share it, which is safe: images are
// replaced by renaming); "" for none.
func catalogImage(flagValue, db string) string {
	switch {
	case flagValue == "off":
		return ""
	case flagValue != "":
		return flagValue
	case !store.IsPostgres(db):
		return db + ".image"
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(db))
	return filepath.Join(dir, "evidence-kb", hex.EncodeToString(sum[:8])+".image")
}

// exitCode is 2 for usage errors, 1 for everything else.
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

type usageError struct{ error }

// run is the whole program: it parses args, and either runs a subcommand (validate,
// generate, token) or serves until ctx ends. ready, when not nil, receives the address the
// server listens on.
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
		}
	}
	fs := flag.NewFlagSet("evidence-kb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr      = fs.String("addr", ":8080", "listen address (env KB_ADDR)")
		dbPath    = fs.String("db", "kb.db", "the store: a SQLite file (created and seeded if missing) or a postgres:// URL (env KB_DB)")
		origins   = fs.String("cors-origins", "*", "comma-separated origins allowed to read the API, or * (env KB_CORS_ORIGINS)")
		logFormat = fs.String("log-format", "text", "log format: text or json (env KB_LOG_FORMAT)")
		maxBody   = fs.Int64("max-body-bytes", 1<<20, "largest request body accepted (env KB_MAX_BODY_BYTES)")
		rateLimit = fs.Float64("rate-limit", api.DefaultRateLimit, "requests per second per client (an export or a search counts as several); 0 turns rate limiting off (env KB_RATE_LIMIT)")
		rateBurst = fs.Int("rate-burst", api.DefaultRateBurst, "the most a client may spend at once, in requests (env KB_RATE_BURST)")
		exports   = fs.Int("max-exports", 0, "how many exports may stream at once, server-wide; 0 for half the CPUs, at least 1 (env KB_MAX_EXPORTS)")
		expRate   = fs.Int("export-rate", api.DefaultExportRate, "records a second each export streams at most; 0 for no pacing (env KB_EXPORT_RATE)")
		slots     = fs.Int("query-slots", 0, "how many costly requests (searches, facets, maps, export blocks) do query work at once, server-wide; 0 for the CPUs less one, at least 1 (env KB_QUERY_SLOTS)")
		proxies   = fs.String("trusted-proxies", "", "comma-separated IPs and CIDRs of proxies whose X-Forwarded-For or Forwarded header names the client (env KB_TRUSTED_PROXIES)")
		dataset   = fs.String("dataset", "", "seed an empty store from this dataset file instead of the embedded one; a store that holds data keeps it, and takes only a newer version of the dataset it was seeded from while nobody has edited it (env KB_DATASET)")
		poll      = fs.Duration("poll-interval", 250*time.Millisecond, "how often to look for writes other processes made to the database (env KB_POLL_INTERVAL)")
		maxLag    = fs.Duration("max-lag", 5*time.Second, "/readyz fails when this process has not caught up with the database for this long (env KB_MAX_LAG)")
		image     = fs.String("catalog-image", "", "a file to keep the catalogue image in, so a restart need not rebuild the indexes; default: beside a SQLite file, or in the user's cache directory for PostgreSQL; off for none (env KB_CATALOG_IMAGE)")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage:\n  evidence-kb [flags]                    serve the API and the web finder\n  evidence-kb validate [FILE]            check a dataset file (default: the embedded one)\n  evidence-kb generate [-studies N] [-seed S]  write a synthetic dataset, for benchmarks\n  evidence-kb token create|list|revoke   manage the API tokens of curators and admins\n  evidence-kb import [-dry-run] FILE     make the store hold exactly this dataset (audited)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("KB")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}

	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	} else if *logFormat != "text" {
		return usageError{fmt.Errorf("-log-format must be text or json, not %q", *logFormat)}
	}
	log := slog.New(handler)
	allowed, err := corsOrigins(*origins)
	if err != nil {
		return usageError{err}
	}
	if *maxBody < 1 {
		return usageError{errors.New("-max-body-bytes must be at least 1")}
	}
	if *exports < 0 || *slots < 0 || *expRate < 0 {
		return usageError{errors.New("-max-exports, -query-slots and -export-rate must be 0 or more")}
	}
	if *rateLimit < 0 || *rateBurst < 1 {
		return usageError{errors.New("-rate-limit must be 0 or more, and -rate-burst at least 1")}
	}
	trusted, err := api.ParseTrustedProxies(*proxies)
	if err != nil {
		return usageError{fmt.Errorf("-trusted-proxies: %w", err)}
	}

	seed := store.EmbeddedSeed()
	if *dataset != "" {
		if seed, err = store.FileSeed(*dataset); err != nil {
			return usageError{fmt.Errorf("-dataset: %w", err)}
		}
	}
	st, err := store.Open(ctx, store.Options{DB: *dbPath, Seed: seed, Logger: log, Image: catalogImage(*image, *dbPath)})
	if err != nil {
		return err
	}
	defer st.Close()
	// Building the catalogue allocates several times what it keeps: give the garbage back
	// to the operating system now, rather than hold it as resident memory until the
	// runtime's scavenger gets round to it.
	debug.FreeOSMemory()
	if *poll <= 0 || *maxLag <= *poll {
		return usageError{errors.New("-poll-interval must be positive and shorter than -max-lag")}
	}
	srv, err := api.NewServer(st, api.Options{Logger: log, Spec: spec, CORSOrigins: allowed, MaxBodyBytes: *maxBody,
		MaxLag: *maxLag, MaxExports: *exports, QuerySlots: *slots, ExportRate: *expRate, Site: web.New(st, log), RateLimit: api.RateLimit{Rate: *rateLimit, Burst: *rateBurst, TrustedProxies: trusted}})
	if err != nil {
		return err
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	go st.Follow(followCtx, *poll) // other replicas' writes, within one interval

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	httpServer := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    api.MaxHeaderBytes,
	}
	log.Info("serving", "addr", ln.Addr().String(), "db", *dbPath, "dataset_version", st.DatasetVersion(), "docs", "/docs")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(api.Listener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return httpServer.Shutdown(shutdownCtx)
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
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("studies", 100_000, "number of studies (about a tenth as many interventions)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same dataset")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
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

// corsOrigins reads the -cors-origins list: "*", or http(s) origins separated by commas.
func corsOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		switch {
		case o == "":
			continue
		case o == "*" || strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://"):
			out = append(out, o)
		default:
			return nil, fmt.Errorf("-cors-origins: %q is not * or an http(s) origin", o)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-cors-origins: name at least one origin, or *")
	}
	if len(out) > 1 && slices.Contains(out, "*") {
		return nil, errors.New("-cors-origins: * stands alone")
	}
	return out, nil
}
