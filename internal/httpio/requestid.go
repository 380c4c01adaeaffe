package httpio

import "github.com/gin-gonic/gin"

// RequestIDHeader carries a request's id, in the request (as the client sent it, or as
// the edge made it) and in its response.
const RequestIDHeader = "X-Request-ID"

// RequestID is the id of the request c serves: problems, error pages, logs and audit
// entries quote it.
func RequestID(c *gin.Context) string { return c.GetHeader(RequestIDHeader) }
