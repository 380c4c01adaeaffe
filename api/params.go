package api

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// params reads a request's query string against the list of parameters an endpoint takes.
// An unknown or repeated parameter is an error, never silently ignored.
type params struct {
	values url.Values
}

func parseParams(raw url.Values, allowed ...string) (params, error) {
	for name, vs := range raw {
		if !slices.Contains(allowed, name) {
			return params{}, models.Invalid(name, "is not a parameter of this endpoint", allowed...)
		}
		if len(vs) > 1 && name != "filter" {
			return params{}, models.Invalid(name, "is given more than once")
		}
	}
	return params{values: raw}, nil
}

func (p params) str(name string) string {
	if name == "filter" { // repeating filter ANDs its clauses
		return strings.Join(p.values[name], ",")
	}
	return p.values.Get(name)
}

// int reads an optional whole number; 0 means absent.
func (p params) int(name string) (int, error) {
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

func (p params) boolean(name string, def bool) (bool, error) {
	s := p.values.Get(name)
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, models.Invalid(name, fmt.Sprintf("%q is not true or false", s), "true", "false")
	}
	return b, nil
}

func (p params) list(name string) []string {
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

// validID rejects a malformed id before it reaches the store.
func validID(kind, id string) error {
	if !models.ValidSlug(id) {
		return models.Invalid("id", fmt.Sprintf("%q is not well-formed: a %s id is lower-case words joined by hyphens", id, kind))
	}
	return nil
}
