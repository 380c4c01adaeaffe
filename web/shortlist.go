package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// The shortlist is the interventions a member of staff has ticked, held in the page's
// address (shortlist=a,b on the finder and intervention pages; ids=a,b on compare and the
// pack): no account, no cookie. Every link between those pages carries it, so it survives
// navigation, and a bookmark or a shared address keeps it.

const (
	shortlistParam = "shortlist"
	// maxShortlist bounds a shortlist and a pack: the whole review fits (33 interventions
	// today), and the longest address it makes stays far below the server's 8 KiB.
	maxShortlist = 40
	// a comparison sets two to four interventions side by side
	minCompare = 2
	maxCompare = 4
)

// shortlist is intervention ids in the order they were ticked, each once.
type shortlist []string

// parseShortlist reads the shortlist parameter: ids, comma-separated; a form's ticked
// boxes repeat the parameter, and both forms may mix. A repeated id counts once (a box
// ticked again adds nothing); a malformed id, or more than maxShortlist, is refused.
func parseShortlist(values []string) (shortlist, error) {
	var out shortlist
	for _, v := range values {
		for _, id := range strings.Split(v, ",") {
			id = strings.TrimSpace(id)
			switch {
			case id == "" || slices.Contains(out, id):
			case !models.ValidSlug(id):
				return nil, models.Invalid(shortlistParam, fmt.Sprintf("%q is not an intervention id", id))
			default:
				out = append(out, id)
			}
		}
	}
	if len(out) > maxShortlist {
		return nil, models.Invalid(shortlistParam, fmt.Sprintf("holds %d interventions; a shortlist holds at most %d", len(out), maxShortlist))
	}
	return out, nil
}

// takeShortlist reads the shortlist from a page's query and returns the rest of the
// query, which the page then checks as it always has.
func takeShortlist(raw url.Values) (shortlist, url.Values, error) {
	rest := url.Values{}
	for k, v := range raw {
		if k != shortlistParam {
			rest[k] = v
		}
	}
	sl, err := parseShortlist(raw[shortlistParam])
	return sl, rest, err
}

func (sl shortlist) String() string { return strings.Join(sl, ",") }

func (sl shortlist) with(id string) shortlist {
	if slices.Contains(sl, id) {
		return sl
	}
	return append(slices.Clone(sl), id)
}

func (sl shortlist) without(id string) shortlist {
	return slices.DeleteFunc(slices.Clone(sl), func(x string) bool { return x == id })
}

// query is the shortlist as a query string ("" when empty), commas kept readable: ids
// are slugs, which need no escaping.
func (sl shortlist) query(param string) string {
	if len(sl) == 0 {
		return ""
	}
	return param + "=" + sl.String()
}

// withQuery is a path with the shortlist as its query.
func withQuery(path, param string, sl shortlist) string {
	if q := sl.query(param); q != "" {
		return path + "?" + q
	}
	return path
}

// finderURL, interventionURL, compareURL and packURL are the planning pages' addresses
// with a shortlist.
func finderURL(sl shortlist) string { return withQuery("/", shortlistParam, sl) }
func interventionURL(id string, sl shortlist) string {
	return withQuery(interventionPath(id), shortlistParam, sl)
}
func compareURL(sl shortlist) string { return withQuery(comparePath, "ids", sl) }
func packURL(sl shortlist) string    { return withQuery(packPath, "ids", sl) }

// shortlistView is the shortlist as every planning page shows it: the interventions on
// it, each linked and removable, and the ways on, to compare or to make a pack.
type shortlistView struct {
	Items      []shortlistItem
	Value      string   // the ids, comma-separated, for scripts
	Dropped    []string // ids that are no longer in the evidence base
	CompareURL string   // set when it holds two to four
	PackURL    string   // set when it holds any
	FinderURL  string   // the finder, to add more
	TooMany    bool     // more than a comparison takes
}

type shortlistItem struct {
	ID, Name  string
	URL       string // its page, the shortlist kept
	RemoveURL string // this page without it on the shortlist
}

// resolveShortlist names the shortlist's interventions from the snapshot; those no
// longer in it are dropped, and said so. at is the current page's address for another
// shortlist, for the remove links.
func resolveShortlist(cat *catalog.Catalog, sl shortlist, at func(shortlist) string) (shortlist, shortlistView) {
	var kept shortlist
	var v shortlistView
	names := map[string]string{}
	for _, id := range sl {
		d, err := cat.Intervention(id)
		if err != nil {
			v.Dropped = append(v.Dropped, id)
			continue
		}
		kept = append(kept, id)
		names[id] = d.Intervention.Name
	}
	for _, id := range kept {
		v.Items = append(v.Items, shortlistItem{ID: id, Name: names[id], URL: interventionURL(id, kept), RemoveURL: at(kept.without(id))})
	}
	v.Value, v.FinderURL = kept.String(), finderURL(kept)
	if len(kept) > 0 {
		v.PackURL = packURL(kept)
	}
	if len(kept) >= minCompare && len(kept) <= maxCompare {
		v.CompareURL = compareURL(kept)
	}
	v.TooMany = len(kept) > maxCompare
	return kept, v
}

// setShortlist puts a shortlist in a query, or takes it out when empty.
func setShortlist(v url.Values, sl shortlist) {
	if len(sl) == 0 {
		v.Del(shortlistParam)
		return
	}
	v.Set(shortlistParam, sl.String())
}

// keepShortlist makes a checked list form carry the shortlist in every address it makes
// from its query (chips, paging, a corrected search), as it carries the search words.
func keepShortlist(f *form, sl shortlist) {
	raw := url.Values{}
	for k, v := range f.raw {
		raw[k] = v
	}
	setShortlist(raw, sl)
	f.raw = raw
}

// readable writes an address's commas as commas: url.Values escapes them, though a query
// may hold them as they are, and a shortlist is read more easily with them.
func readable(u string) string { return strings.ReplaceAll(u, "%2C", ",") }
