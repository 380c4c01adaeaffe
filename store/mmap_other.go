//go:build !unix

package store

import "os"

// mapFile reads size bytes of f: where memory mapping is not available, into the heap.
func mapFile(f *os.File, size int64) ([]byte, error) {
	b := make([]byte, size)
	_, err := f.ReadAt(b, 0)
	return b, err
}
