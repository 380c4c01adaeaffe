package web

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

// planningViews are the data the planning pages' templates are executed with.
var planningViews = map[string]any{"compare": compareView{}, "pack": packView{}}

// The planning pages' data, like every page's, names nothing twice (see
// TestTemplateDataNamesAreUnambiguous).
func TestPlanningDataNamesAreUnambiguous(t *testing.T) {
	for _, name := range planningPages {
		view, ok := planningViews[name]
		if !ok {
			t.Fatalf("page %q has no view in planningViews", name)
		}
		namesAreUnambiguous(t, view)
	}
}

func TestParseShortlist(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a,b"}, "a,b"},
		{[]string{"b", "a", "b"}, "b,a"},                  // a form's repeated boxes, one ticked twice
		{[]string{" a , b ,", "c"}, "a,b,c"},              // spaces and empty items are nothing
		{[]string{"a,b", "b,c", "a"}, "a,b,c"},            // both forms mixed
		{[]string{strings.Repeat("x,", 39) + "y"}, "x,y"}, // repeats count once toward the bound
	} {
		got, err := parseShortlist(tc.in)
		if err != nil || got.String() != tc.want {
			t.Errorf("parseShortlist(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	many := make([]string, maxShortlist+1)
	for i := range many {
		many[i] = "p" + strings.Repeat("x", i)
	}
	for _, in := range [][]string{{"A"}, {"a", "b_c"}, many} {
		var e *models.Error
		if _, err := parseShortlist(in); !errors.As(err, &e) || e.Fields[0].Field != shortlistParam {
			t.Errorf("parseShortlist(%.40q) = %v; want an error naming shortlist", in, err)
		}
	}
}

func TestParseChallenges(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		n    int
		want []string
	}{
		{nil, 2, []string{"", ""}},
		{[]string{"1,3|2"}, 3, []string{"1, 3", "2", ""}},
		{[]string{"1 3", "", "2a, C4"}, 3, []string{"1, 3", "", "2a, C4"}},
		{[]string{"2-4"}, 1, []string{"2-4"}},
		{[]string{"|5"}, 2, []string{"", "5"}},
	} {
		got, err := parseChallenges(tc.in, tc.n)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseChallenges(%q, %d) = %q, %v; want %q", tc.in, tc.n, got, err, tc.want)
		}
	}
	for _, in := range [][]string{{"1|2|3"}, {"=SUM(A1)"}, {"1; 2"}, {strings.Repeat("1,", 31)}} {
		if _, err := parseChallenges(in, 2); err == nil {
			t.Errorf("parseChallenges(%q, 2) took it", in)
		}
	}
}
