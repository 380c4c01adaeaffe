package httpio

import "strings"

// WeakMatch reports whether an If-None-Match header names etag, by weak comparison
// (RFC 9110 §8.8.3.2: a W/ prefix does not count). "*" is not honoured: whether a
// representation exists is only known once the handler has run.
func WeakMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		if t = strings.TrimSpace(t); t != "" && strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}
