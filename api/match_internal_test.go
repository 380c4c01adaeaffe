package api

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// A search hit's match, encoded by hand, is byte for byte what encoding/json makes of it:
// every ASCII character, invalid UTF-8, the line separators JSON escapes, any score.
func TestMatchEncodesAsEncodingJSON(t *testing.T) {
	var ascii strings.Builder
	for c := range 0x80 {
		ascii.WriteByte(byte(c))
	}
	texts := []string{"", ascii.String(), "caf\u00e9 <mark>p\u00e8re</mark> & \"fils\"", "bad \xff\xfe utf-8", "line\u2028para\u2029end",
		"emoji \U0001F600", `back\slash`, "\x00\x1f\x7f"}
	scores := []float64{0, 1, 7.42, 1e-7, 3.5e-9, 1e21, 2.5e22, 123456.789, math.SmallestNonzeroFloat64, -0.5}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		scores = append(scores, r.ExpFloat64()*math.Pow(10, float64(r.IntN(40)-20)))
	}
	for i, score := range scores {
		m := &Match{Score: score, Highlights: map[string]string{"title": texts[i%len(texts)], "summary": texts[(i+3)%len(texts)]}}
		if i%7 == 0 {
			m.Highlights = nil
		}
		want, err := httpio.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("score %v:\n got %s\nwant %s", score, got, want)
		}
	}
}
