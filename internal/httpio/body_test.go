package httpio_test

import (
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// A whole number written with a fraction or an exponent is an integer to JSON Schema, and
// so to the contract: a record's integer fields take it. A number with a real fraction, or
// beyond what a JSON number holds exactly, is still refused, naming its field.
func TestDecodeRecordTakesWholeNumbersInAnyNotation(t *testing.T) {
	for _, c := range []struct {
		body       string
		year, size int
		bad        string
	}{
		{`{"year": 2010, "sample_size": 81}`, 2010, 81, ""},
		{`{"year": 2010.0, "sample_size": 8.1e1}`, 2010, 81, ""},
		{`{"year": 2.011E3, "sample_size": 81.000}`, 2011, 81, ""},
		{`{"year": 2010.5}`, 0, 0, "year"},
		{`{"sample_size": 1e300}`, 0, 0, "sample_size"},
		{`{"year": "2010"}`, 0, 0, "year"},
	} {
		var st models.Study
		problems, err := httpio.DecodeRecord([]byte(c.body), &st)
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		if c.bad != "" {
			if len(problems) != 1 || problems[0].Field != c.bad {
				t.Errorf("%s: problems %+v; want one naming %s", c.body, problems, c.bad)
			}
			continue
		}
		if len(problems) != 0 || st.Year != c.year || st.SampleSize == nil || *st.SampleSize != c.size {
			t.Errorf("%s: problems %+v, year %d, sample size %v", c.body, problems, st.Year, st.SampleSize)
		}
	}
}
