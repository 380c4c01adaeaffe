package catalog_test

import (
	"errors"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// mustCatalog builds the query engine over the curated dataset the binary ships.
func mustCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	raw := store.EmbeddedDataset()
	d, err := models.ParseDataset(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return catalog.New(d, models.DocumentVersion(raw))
}

// embeddedDataset is a fresh copy of the dataset the binary ships, the caller's to change.
func embeddedDataset(tb testing.TB) *models.Dataset {
	tb.Helper()
	d, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustStudies(tb testing.TB, cat *catalog.Catalog, q catalog.Query) *catalog.Page[models.Study] {
	tb.Helper()
	p, err := cat.Studies(q)
	if err != nil {
		tb.Fatalf("Studies(%+v): %v", q, err)
	}
	return p
}

func wantInvalid(tb testing.TB, err error, part string) {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.EInvalid || len(e.Fields) == 0 || e.Fields[0].Field != part {
		tb.Fatalf("err = %v; want an invalid-%s error", err, part)
	}
}
