package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/evidence-kb/parental-engagement/agent"
	"github.com/evidence-kb/parental-engagement/store"
)

const mcpUsage = `Usage:
  evidence-kb mcp [-db STORE] [-base-url URL]   answer an AI assistant over MCP on stdin and stdout

For desktop assistants: add this command to the assistant's MCP servers. It reads the
evidence base a server has made: start the server once on the same -db (its first start
creates and seeds the store), or import a dataset into it. mcp never seeds a store and
never writes a record; it follows other processes' writes as a replica does. Logs go to
stderr; stdout carries protocol messages only.

Flags:
`

// mcpStdin is where the mcp subcommand reads the assistant's messages.
var mcpStdin io.Reader = os.Stdin

// mcpCommand serves the MCP server over stdio.
func mcpCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("mcp", mcpUsage, stderr)
	var cfg serveConfig
	var baseURL string
	dbFlag(fl, &cfg.db)
	fl.StringVar(&baseURL, "base-url", agent.DefaultBaseURL, "the site the answers' links point to: where the server for people runs (env KB_BASE_URL)")
	fl.StringVar(&cfg.image, "catalog-image", "", "the catalogue image to start from, as the server's flag of that name (env KB_CATALOG_IMAGE)")
	fl.DurationVar(&cfg.poll, "poll-interval", 250*time.Millisecond, "how often to look for writes other processes made to the database (env KB_POLL_INTERVAL)")
	fl.StringVar(&cfg.logFormat, "log-format", "text", "log format on stderr: text or json (env KB_LOG_FORMAT)")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	switch {
	case fl.NArg() > 0:
		return usageError{fmt.Errorf("mcp: unexpected argument %q", fl.Arg(0))}
	case cfg.logFormat != "text" && cfg.logFormat != "json":
		return usageError{fmt.Errorf("-log-format must be text or json, not %q", cfg.logFormat)}
	case cfg.poll <= 0:
		return usageError{errors.New("-poll-interval must be positive")}
	}
	if err := agent.CheckBaseURL(baseURL); err != nil {
		return usageError{fmt.Errorf("-base-url: %w", err)}
	}
	// commands never seed: a SQLite file that is not there is a store nobody has made
	if !store.IsPostgres(cfg.db) {
		if _, err := os.Stat(cfg.db); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("mcp: there is no store at %s: start the server once with -db %s (its first start creates and seeds the store), then run mcp with the same -db", cfg.db, cfg.db)
		}
	}
	log := cfg.logger(stderr)
	st, err := store.Open(ctx, store.Options{DB: cfg.db, Logger: log, Image: store.ImagePath(cfg.image, cfg.db)})
	if err != nil {
		return err
	}
	defer st.Close()
	if studies, _ := st.Catalog().Size(); studies == 0 {
		return fmt.Errorf("mcp: the store at %s holds no studies: start the server once on it (its first start seeds an empty store), or import a dataset with evidence-kb import", cfg.db)
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	go st.Follow(followCtx, cfg.poll)
	log.Info("mcp: answering on stdio", "db", cfg.db, "dataset_version", st.DatasetVersion(), "base_url", baseURL)
	return agent.Serve(ctx, st, agent.Options{Logger: log, BaseURL: baseURL}, mcpStdin, stdout)
}
