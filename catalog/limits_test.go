package catalog_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
)

// Every bound on a query's cost is refused with an error naming the part and the limit.
func TestQueryLimits(t *testing.T) {
	cat := mustCatalog(t)
	values := func(n int) string {
		vs := make([]string, n)
		for i := range vs {
			vs[i] = fmt.Sprintf(">%d", i)
		}
		return strings.Join(vs, "|")
	}
	clauses := func(n int) string { return strings.TrimSuffix(strings.Repeat("stage:primary,", n), ",") }
	for _, tc := range []struct {
		name string
		q    catalog.Query
		part string
		says string
	}{
		{"clauses", catalog.Query{Filter: clauses(catalog.MaxFilterClauses + 1)}, catalog.PartFilter, "at most 50"},
		{"values per clause", catalog.Query{Filter: "sample_size:" + values(catalog.MaxClauseValues+1)}, catalog.PartFilter, "at most 32 per clause"},
		{"values in all", catalog.Query{Filter: strings.Repeat("sample_size:"+values(30)+",", 9) + "year:2010"}, catalog.PartFilter, "at most 256 in all"},
		{"search terms", catalog.Query{Search: strings.Repeat("word ", catalog.MaxSearchTerms+1)}, catalog.PartSearch, "at most 32"},
		{"search length", catalog.Query{Search: strings.Repeat("x", catalog.MaxSearchLength+1)}, catalog.PartSearch, "at most 1000"},
	} {
		_, err := cat.Studies(tc.q)
		wantInvalid(t, err, tc.part)
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v; want it to say %q", tc.name, err, tc.says)
		}
	}
	// repeated values count once: 40 mentions of two values are two values
	if _, err := cat.Studies(catalog.Query{Filter: "stage:" + strings.TrimSuffix(strings.Repeat("primary|secondary|", 20), "|")}); err != nil {
		t.Errorf("repeated values: %v", err)
	}
}

// A prefix standing for more words than the limit is refused by name; autocomplete, which
// needs no complete expansion, still answers.
func TestBroadPrefixIsRefused(t *testing.T) {
	base := embeddedDataset(t)
	var words []string // 26×26 distinct words starting "zq"
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			words = append(words, "zq"+string(a)+string(b)+"ing")
		}
	}
	base.Studies[0].Summary += " " + strings.Join(words[:catalog.MaxPrefixWords+1], " ")
	base.Studies[1].Summary += " " + strings.Join(words[catalog.MaxPrefixWords+1:], " ")
	cat := catalog.New(base, "limits")
	if _, err := cat.Studies(catalog.Query{Search: "zqa*"}); err != nil {
		t.Errorf("zqa* (26 words): %v", err)
	}
	_, err := cat.Studies(catalog.Query{Search: "zq*"})
	wantInvalid(t, err, catalog.PartSearch)
	if !strings.Contains(err.Error(), "at most 200 per prefix") {
		t.Errorf("zq*: %v", err)
	}
	_, err = cat.Studies(catalog.Query{Search: "zqa* OR zqb* OR zqc* OR zqd* OR zqe* OR zqf* OR zqg* OR zqh* OR zqi* OR zqj* OR zqk* OR zql* OR zqm* OR zqn* OR zqo* OR zqp* OR zqq*"})
	wantInvalid(t, err, catalog.PartSearch)
	if !strings.Contains(err.Error(), "at most 400 in all") {
		t.Errorf("17 prefixes of 26 words: %v", err)
	}
	if _, err := cat.Autocomplete("zq", 5); err != nil {
		t.Errorf("autocomplete zq: %v", err)
	}
}
