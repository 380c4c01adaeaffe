package web

import (
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

func TestParseFormBuildsTheFilter(t *testing.T) {
	raw := url.Values{"disadvantage": {"eal", "low-income", "eal", " "}, "stage": {"primary"}, "q": {"x"}}
	f, err := parseForm(raw, finderSpec.fields, "q")
	if err != nil {
		t.Fatal(err)
	}
	// page field order, repeats dropped, blanks ignored
	if got, want := f.filter(), "stage:primary,disadvantage:eal|low-income"; got != want {
		t.Errorf("filter = %q; want %q", got, want)
	}
	if got, want := f.filter("stage"), "disadvantage:eal|low-income"; got != want {
		t.Errorf("filter without stage = %q; want %q", got, want)
	}
	if got, want := f.url("/", nil), "/?disadvantage=eal&disadvantage=low-income&q=x&stage=primary"; got != want {
		t.Errorf("url = %q; want %q", got, want)
	}
}

func TestParseFormReportsEveryProblem(t *testing.T) {
	raw := url.Values{"colour": {"red"}, "q": {"a", "b"}, "theme": {"a|b"}}
	_, err := parseForm(raw, finderSpec.fields, "q")
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.EInvalid {
		t.Fatalf("err = %v; want an invalid-input error", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, []string{"colour", "q", "theme"}) {
		t.Errorf("problems name %v; want colour, q and theme in order", fields)
	}
	if !slices.Contains(e.Fields[0].Valid, "setting") {
		t.Errorf("the unknown option does not list the page's options: %v", e.Fields[0].Valid)
	}
}

func TestFirstSentence(t *testing.T) {
	cases := map[string]string{
		"FAST is a programme. It runs in schools.":      "FAST is a programme.",
		"Aged 8-13. then more":                          "Aged 8-13. then more",
		"Scotland's Bookbug; it gifts books. Families.": "Scotland's Bookbug; it gifts books.",
		"No full stop at all":                           "No full stop at all",
	}
	for in, want := range cases {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestFamilyName(t *testing.T) {
	cases := map[string]string{
		"Goodall, J.":          "Goodall",
		"van Steensel, R.":     "van Steensel",
		"Young, J.-L.":         "Young",
		"Smeets, D.J.H.":       "Smeets",
		"Fatherhood Institute": "Fatherhood Institute",
		"Department for Children, Schools and Families":                "Department for Children, Schools and Families",
		"European Centre for Reading Recovery, Institute of Education": "European Centre for Reading Recovery, Institute of Education",
	}
	for in, want := range cases {
		if got := familyName(in); got != want {
			t.Errorf("familyName(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestHeatLevelsAndLegend(t *testing.T) {
	if heatLevel(0, 10) != 0 || heatLevel(1, 1) != 1 || heatLevel(10, 10) != heatLevels {
		t.Error("a gap must be level 0 and the fullest cell the top level")
	}
	want := []legendStep{{1, 1, 13}, {2, 14, 25}, {3, 26, 37}, {4, 38, 49}}
	if got := legend(49); !slices.Equal(got, want) {
		t.Errorf("legend(49) = %v; want %v", got, want)
	}
	if got := legend(0); got != nil {
		t.Errorf("an empty map has legend %v", got)
	}
}
