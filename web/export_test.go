package web

import "github.com/gin-gonic/gin"

// Fail answers a page request with the page for err, as a failing page handler does: the
// render test sees the page of an internal error through it, which no request can cause.
func (s *Site) Fail(c *gin.Context, err error) { s.webFail(c, err) }

// Refuse answers a page request as the edge has the site refuse one it will not serve now.
func (s *Site) Refuse(c *gin.Context, status int) { s.refuse(c, status, "") }
