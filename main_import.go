package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

const importUsage = `Usage:
  evidence-kb import [-db STORE] [-dry-run] [-as NAME] DATASET.json   make the store hold exactly this dataset
`

// importDataset applies a dataset document to the store from the command line, as
// POST /api/v1/imports does: validated, diffed, applied in one transaction and audited.
func importDataset(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", importUsage+"\nFlags:\n", stderr)
	var dbPath string
	dbFlag(fs, &dbPath)
	dryRun := fs.Bool("dry-run", false, "report what would change, and change nothing")
	as := fs.String("as", "cli", "the name the audit log records for this import")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{errors.New("import: name one dataset file")}
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{DB: dbPath})
	if err != nil {
		return err
	}
	defer st.Close()
	report, err := st.Import(ctx, store.Actor{Name: *as, Role: models.RoleAdmin, RequestID: "cli"}, raw, *dryRun)
	if report != nil {
		printReport(stdout, report)
	}
	return err
}

func printReport(w io.Writer, r *models.ImportReport) {
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error    %s: %s\n", e.Field, e.Reason)
	}
	for _, a := range r.Added {
		fmt.Fprintf(w, "add      %s %s\n", a.Kind, a.ID)
	}
	for _, c := range r.Changed {
		fmt.Fprintf(w, "change   %s %s (%s)\n", c.Kind, c.ID, strings.Join(c.Fields, ", "))
	}
	for _, x := range r.Removed {
		fmt.Fprintf(w, "remove   %s %s\n", x.Kind, x.ID)
	}
	switch {
	case len(r.Errors) > 0:
		fmt.Fprintf(w, "%d errors: nothing imported\n", len(r.Errors))
	case r.Applied:
		fmt.Fprintf(w, "imported: %d added, %d changed, %d removed; the store is at revision %d\n", len(r.Added), len(r.Changed), len(r.Removed), r.Revision)
	case r.DryRun:
		fmt.Fprintf(w, "dry run: %d to add, %d to change, %d to remove; nothing changed\n", len(r.Added), len(r.Changed), len(r.Removed))
	default:
		fmt.Fprintln(w, "nothing to import: the store already holds this dataset")
	}
}
