package web

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// A long text's change reads as words removed and added, the spaces between two changes
// joining them; texts with little in common read as one replaced by the other.
func TestDiffWords(t *testing.T) {
	render := func(parts []wordPart) string {
		var b strings.Builder
		for _, p := range parts {
			switch p.Op {
			case "del":
				b.WriteString("[-" + p.Text + "-]")
			case "ins":
				b.WriteString("{+" + p.Text + "+}")
			default:
				b.WriteString(p.Text)
			}
		}
		return b.String()
	}
	for _, c := range []struct{ before, after, want string }{
		{"Parents read with their children at home every day.", "Parents read with their young children at home most days.",
			"Parents read with their {+young +}children at home [-every day.-]{+most days.+}"},
		{"one two three four", "one two three four five", "one two three four{+ five+}"},
		{"Added value of dialogic reading", "A title someone else corrected", "[-Added value of dialogic reading-]{+A title someone else corrected+}"},
	} {
		if got := render(diffWords(c.before, c.after)); got != c.want {
			t.Errorf("diffWords(%q, %q)\n = %s\nwant %s", c.before, c.after, got, c.want)
		}
	}
}

// A change is read field by field: values replaced, lists' items removed and added,
// evidence items one by one.
func TestDiffDocs(t *testing.T) {
	before := json.RawMessage(`{"year":2010,"themes":["a","b"],"venue":null,"evidence":[{"finding":"x","kind":"impact"}]}`)
	after := json.RawMessage(`{"year":2011,"themes":["b","c"],"venue":"J","evidence":[{"finding":"y","kind":"impact"},{"finding":"z","kind":"process"}]}`)
	k := editKinds[1]
	got := map[string]fieldChange{}
	for _, ch := range diffDocs(before, after, []string{"year", "themes", "venue", "evidence"}, k.label) {
		got[ch.Name] = ch
	}
	if ch := got["year"]; ch.Before != "2010" || ch.After != "2011" {
		t.Errorf("year: %+v", ch)
	}
	if ch := got["themes"]; strings.Join(ch.Removed, ",") != "a" || strings.Join(ch.Added, ",") != "c" {
		t.Errorf("themes: %+v", ch)
	}
	if ch := got["venue"]; ch.Before != "Not stated" || ch.After != "J" {
		t.Errorf("venue: %+v", ch)
	}
	if ch := got["evidence"]; len(ch.Items) != 2 || ch.Items[0].Op != "changed" || ch.Items[1].Op != "added" || ch.Items[0].Changes[0].Label != "Finding" {
		t.Errorf("evidence: %+v", ch)
	}
	if len(diffDocs(before, before, nil, k.label)) != 0 {
		t.Error("a document differs from itself")
	}
}

// A form goes to JSON as typed: what is not a number stays the text typed, for the API's
// decoding to refuse; empty optional fields are null; lines are list items.
func TestFormDocument(t *testing.T) {
	k := editKinds[0]
	form := url.Values{"year": {"20x4"}, "sample_size": {" "}, "effect_size": {"0.30"}, "authors": {"Smith, J.\r\n\r\n Jones, K. "},
		"venue": {""}, "themes": {"a", "a", "b"}}
	doc, _ := k.document(form, "x-2010")
	b, _ := json.Marshal(doc)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	for field, want := range map[string]string{"year": `"20x4"`, "sample_size": "null", "effect_size": "0.30",
		"authors": `["Smith, J.","Jones, K."]`, "venue": "null", "themes": `["a","b"]`, "id": `"x-2010"`, "key_findings": "[]"} {
		if string(m[field]) != want {
			t.Errorf("%s = %s; want %s", field, m[field], want)
		}
	}
	// and back: a record's document is the form that shows it
	back := k.formOf(b)
	if back.Get("year") != "20x4" || back.Get("authors") != "Smith, J.\nJones, K." || back.Get("effect_size") != "0.30" || len(back["themes"]) != 2 {
		t.Errorf("formOf: %v", back)
	}
	if got := formReason("has a string where a whole number is needed"); got != "must be a whole number" {
		t.Errorf("formReason: %q", got)
	}
}

// Signing in never sends a reader to another site.
func TestLocalPath(t *testing.T) {
	for next, want := range map[string]string{"/studies/x/edit": "/studies/x/edit", "/audit?actor=a": "/audit?actor=a",
		"": "/", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil.example": "/", "studies": "/"} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q) = %q; want %q", next, got, want)
		}
	}
}
