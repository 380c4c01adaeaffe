package catalog

import "testing"

func TestSynonymExpansion(t *testing.T) {
	cases := []struct {
		query string
		kids  int // terms of the OR; 0: not expanded
	}{
		{"EAL", 5}, {"eal", 5}, {`"english as an additional language"`, 5}, {"FSM", 3},
		{"SEND", 10}, {"send", 0}, {"LAC", 6}, {"lac", 0}, {"looked-after", 6}, {"parents", 0}, {"EAL*", 0},
	}
	for _, tc := range cases {
		p := &queryParser{items: lexQuery(tc.query)}
		n := p.parseOr()
		got := 0
		if n != nil && n.op == opOr {
			got = len(n.kids)
		}
		if got != tc.kids {
			t.Errorf("%s expands to %d terms; want %d", tc.query, got, tc.kids)
		}
	}
	// every term of every group is reachable, and no term is in two groups
	seen := map[string]int{}
	for g, group := range Synonyms {
		for _, term := range group.Terms {
			if other, dup := seen[foldedKey(term)]; dup && other != g {
				t.Errorf("%q is in two synonym groups", term)
			}
			seen[foldedKey(term)] = g
		}
	}
}
