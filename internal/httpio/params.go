package httpio

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// Params reads a request's query string against the list of parameters an endpoint takes.
// An unknown or repeated parameter is an error, never silently ignored.
type Params struct {
	values url.Values
}

// ParseParams checks raw against the allowed parameter names.
func ParseParams(raw url.Values, allowed ...string) (Params, error) {
	for name, vs := range raw {
		if !slices.Contains(allowed, name) {
			return Params{}, unknownParameter(name, "is not a parameter of this endpoint", allowed...)
		}
		if len(vs) > 1 && name != "filter" {
			return Params{}, unknownParameter(name, "is given more than once")
		}
	}
	return Params{values: raw}, nil
}

// Str reads a parameter as text; "" when absent.
func (p Params) Str(name string) string {
	if name == "filter" { // repeating filter ANDs its clauses
		return strings.Join(p.values[name], ",")
	}
	return p.values.Get(name)
}

// Int reads an optional whole number; 0 means absent.
func (p Params) Int(name string) (int, error) {
	s := p.values.Get(name)
	if s == "" {
		if p.values.Has(name) {
			return 0, models.Invalid(name, "must not be empty")
		}
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, models.Invalid(name, fmt.Sprintf("%q is not a whole number", s))
	}
	if n < 1 {
		return 0, models.Invalid(name, "must be 1 or more")
	}
	return n, nil
}

// Bool reads an optional true or false, with def when absent. Only those two words are
// booleans: not 1, t or TRUE, and not an empty value.
func (p Params) Bool(name string, def bool) (bool, error) {
	if !p.values.Has(name) {
		return def, nil
	}
	switch s := p.values.Get(name); s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "":
		return false, models.Invalid(name, "must not be empty", "true", "false")
	default:
		return false, models.Invalid(name, fmt.Sprintf("%q is not true or false", s), "true", "false")
	}
}

// Choice reads an optional value of a fixed set, which the caller checks; "" when absent.
// An empty value is refused: it names no choice, and taking it for absence would hide a
// client's mistake.
func (p Params) Choice(name string) (string, error) {
	s := p.values.Get(name)
	if s == "" && p.values.Has(name) {
		return "", models.Invalid(name, "must not be empty")
	}
	return s, nil
}

// List reads a comma-separated parameter; nil when absent.
func (p Params) List(name string) []string {
	s := p.values.Get(name)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// ValidID rejects a malformed record id (path parameter id) before it reaches the store.
func ValidID(kind, id string) error { return validSlug("id", kind, id) }

// ValidSlug rejects a malformed vocabulary slug (path parameter slug).
func ValidSlug(kind, slug string) error { return validSlug("slug", kind, slug) }

func validSlug(field, kind, s string) error {
	if !models.ValidSlug(s) {
		article := "a"
		if strings.ContainsRune("aeiou", rune(kind[0])) {
			article = "an"
		}
		return models.Invalid(field, fmt.Sprintf("%q is not well-formed: %s %s %s is at most 100 lower-case letters and digits, in words joined by hyphens", s, article, kind, field))
	}
	return nil
}

// ParamsOf wraps a query string whose names the caller has checked itself (a web form,
// where a filter field may repeat), for the same typed reading.
func ParamsOf(raw url.Values) Params { return Params{values: raw} }

// Has reports whether the parameter was given, even empty.
func (p Params) Has(name string) bool { return p.values.Has(name) }

// unknownParameter is an EUnknownParameter error about one parameter.
func unknownParameter(name, reason string, valid ...string) error {
	e := models.Invalid(name, reason, valid...)
	e.Code = models.EUnknownParameter
	return e
}
