package catalog

import "sync"

// derivedValues are values derived from one snapshot, each made on first use.
type derivedValues struct{ byKey sync.Map } // key → func() any, a sync.OnceValue

// Derived is the value key names, derived from the snapshot cat by make on first use and
// kept with the snapshot, so that every part of the server that needs it shares one per
// snapshot (the citation keys of the exports, for example, which are made over every
// study). A key must always be made by the same make.
func Derived[T any](cat *Catalog, key string, make func() T) T {
	once, ok := cat.derived.byKey.Load(key)
	if !ok {
		once, _ = cat.derived.byKey.LoadOrStore(key, sync.OnceValue(func() any { return make() }))
	}
	return once.(func() any)().(T)
}
