//go:build !amd64

package catalog

// andCount is the size of the intersection of b and o, without allocating it.
func (b bitmap) andCount(o bitmap) int {
	return andCountGeneric(b, o[:len(b)])
}
