//go:build unix

package store

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f into memory, read-only: its pages are read from the page
// cache when first touched, and are not part of the heap. It is never unmapped, since
// what is taken from it may outlive any one snapshot.
func mapFile(f *os.File, size int64) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}
