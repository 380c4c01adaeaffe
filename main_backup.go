package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidence-kb/parental-engagement/store"
)

const backupUsage = `Usage:
  evidence-kb backup [-db STORE] -o FILE   write an archive of every table of the store, while servers run

The archive (gzip'd JSON Lines) is one consistent moment of the store: records, links and
evidence, vocabularies, tokens' hashes (never tokens), sessions, the audit log and record
histories, idempotency keys and the store's metadata. It loads into an empty store of
either kind, SQLite or PostgreSQL, with "evidence-kb restore". -o - writes it to stdout.

Flags:
`

const restoreUsage = `Usage:
  evidence-kb restore [-db STORE] -i FILE [-force]   load an archive into an empty store

STORE is a SQLite file (made if missing) or a postgres:// URL, of either kind whatever the
archive came from. A store that holds anything is refused unless -force, which replaces
all it holds, in the one transaction that loads the archive. Servers running on the store
rebuild from the restored tables within their -poll-interval. -i - reads stdin.

Flags:
`

// backupCommand writes an archive of the store to a file, or to stdout.
func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", backupUsage, stderr)
	var dbPath, out string
	dbFlag(fs, &dbPath)
	fs.StringVar(&out, "o", "", "the archive to write, - for stdout; a file is written beside its name and renamed into place once complete, readable by its owner only")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("backup: unexpected argument %q", fs.Arg(0))}
	case out == "":
		fs.Usage()
		return usageError{errors.New("backup: name the archive to write with -o FILE (or -o - for stdout)")}
	}
	began := time.Now()
	report := stdout
	var (
		h    *store.ArchiveHeader
		size int64
		err  error
	)
	if out == "-" {
		report = stderr // stdout carries the archive
		h, err = store.Backup(ctx, dbPath, stdout)
	} else {
		h, size, err = writeArchiveFile(ctx, dbPath, out)
	}
	if err != nil {
		return err
	}
	where := "stdout"
	if out != "-" {
		where = fmt.Sprintf("%s (%s)", out, formatBytes(size))
	}
	fmt.Fprintf(report, "Backed up %s (%s, schema version %d) at revision %d, dataset version %s, to %s: %d rows in %d tables, in %s.\n",
		store.RedactedDSN(dbPath), h.Source, h.SchemaVersion, h.Revision, h.DatasetVersion, where, h.TotalRows(), len(h.Tables), time.Since(began).Round(time.Millisecond))
	return printTableRows(report, h)
}

// writeArchiveFile writes the archive to a temporary file beside path and renames it
// there once it is complete and on disk: a backup that fails leaves no file that looks
// like one, and never spoils an earlier archive of the same name.
func writeArchiveFile(ctx context.Context, dbPath, path string) (*store.ArchiveHeader, int64, error) {
	dir := filepath.Dir(path)
	// CreateTemp makes the file readable by its owner only: the archive holds the tokens'
	// hashes and the audit log
	f, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing there to remove
	counted := &countingWriter{w: f}
	h, err := store.Backup(ctx, dbPath, counted)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	// the rename is on disk once the directory is
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return h, counted.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// restoreStdin is where restore -i - reads the archive.
var restoreStdin io.Reader = os.Stdin

// restoreCommand loads an archive into a store.
func restoreCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", restoreUsage, stderr)
	var dbPath, in, image string
	dbFlag(fs, &dbPath)
	fs.StringVar(&in, "i", "", "the archive to load, as backup wrote it (or gunzipped); - for stdin")
	force := fs.Bool("force", false, "replace everything the store holds with the archive; only ever from the command line, never from KB_FORCE")
	fs.StringVar(&image, "catalog-image", "", "the catalogue image to rebuild, as the server's flag of that name (env KB_CATALOG_IMAGE)")
	// replacing a store's data is a decision for each command, never one left in an
	// environment for whatever runs next
	if _, set := os.LookupEnv("KB_FORCE"); set {
		return usageError{errors.New("restore: KB_FORCE is set; restore takes -force from its command line only: unset it")}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("restore: unexpected argument %q", fs.Arg(0))}
	case in == "":
		fs.Usage()
		return usageError{errors.New("restore: name the archive to load with -i FILE (or -i - for stdin)")}
	}
	archive := restoreStdin
	source := "stdin"
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		archive, source = f, in
	}
	r, err := store.Restore(ctx, archive, store.RestoreOptions{DB: dbPath, Force: *force, Image: store.ImagePath(image, dbPath)})
	if errors.Is(err, store.ErrNotEmpty) {
		return fmt.Errorf("%w; restore loads into an empty store only: pass -force to replace all it holds with the archive, in one transaction", err)
	}
	if err != nil {
		return err
	}
	h := r.Archive
	fmt.Fprintf(stdout, "Restored %s (a %s archive of revision %d, dataset version %s, taken %s) into %s: %d rows in %d tables.\n",
		source, h.Source, h.Revision, h.DatasetVersion, h.TakenAt.Format(time.RFC3339), store.RedactedDSN(dbPath), h.TotalRows(), len(h.Tables))
	if r.Replaced != nil {
		var n int64
		for _, rows := range r.Replaced {
			n += rows
		}
		fmt.Fprintf(stdout, "It replaced the %d rows the store held before.\n", n)
	}
	fmt.Fprintf(stdout, "The store serves %d studies and %d interventions at revision %d, dataset version %s; servers running on it rebuild from it within their -poll-interval.\n",
		r.Studies, r.Interventions, r.Revision, r.DatasetVersion)
	fmt.Fprintf(stdout, "Took %s: %s to load, %s to build the catalogue and its image.\n",
		r.Total.Round(time.Millisecond), r.Loaded.Round(time.Millisecond), r.Built.Round(time.Millisecond))
	return nil
}

// printTableRows lists each archived table and its rows, a line each.
func printTableRows(w io.Writer, h *store.ArchiveHeader) error {
	width := 0
	for _, t := range h.Tables {
		width = max(width, len(t.Name))
	}
	for _, t := range h.Tables {
		if _, err := fmt.Fprintf(w, "  %-*s %9d\n", width, t.Name, t.Rows); err != nil {
			return err
		}
	}
	return nil
}

// formatBytes writes a size in the unit that suits it.
func formatBytes(n int64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB"}
	size, unit := float64(n), 0
	for size >= 1024 && unit < len(units)-1 {
		size /= 1024
		unit++
	}
	if unit == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", size), ".0") + " " + units[unit]
}
