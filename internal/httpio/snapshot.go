package httpio

import "github.com/gin-gonic/gin"

// pinnedKey holds, in a request's context, the snapshot the request is answered from.
const pinnedKey = "kb.snapshot"

// Pinned is the snapshot of the evidence base a request sees: load is called once, on first
// use, and its answer kept for the rest of the request, so the request's ETag, its body and
// every question it asks share one version even when a write lands meanwhile.
func Pinned[T any](c *gin.Context, load func() T) T {
	if v, ok := c.Get(pinnedKey); ok {
		return v.(T)
	}
	v := load()
	c.Set(pinnedKey, v)
	return v
}

// Pin makes v the snapshot the rest of the request is answered from: after a write, the
// snapshot that holds it.
func Pin[T any](c *gin.Context, v T) { c.Set(pinnedKey, v) }
