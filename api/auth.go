package api

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// realm names the protection space in every bearer challenge (RFC 6750 section 3).
const realm = `Bearer realm="evidence-kb"`

// principalKey holds, in a request's context, who made the request.
const principalKey = "kb.principal"

// requireRole lets a request through only with "Authorization: Bearer <token>" naming a
// valid token whose role allows need; the principal is then in the request's context (see
// principal). Without a bearer token the answer is 401 with a bare challenge; with an
// unknown or revoked one, 401 with error="invalid_token"; with too weak a role, 403 with
// error="insufficient_scope". Responses to authenticated requests are never stored by a
// cache, shared or private.
func (s *Server) requireRole(need models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := bearerToken(c.GetHeader("Authorization"))
		if !ok {
			c.Header("WWW-Authenticate", realm)
			httpio.WriteError(c, s.log, &models.Error{Code: models.EUnauthorized,
				Message: `this request needs an API token: send "Authorization: Bearer <token>"`})
			return
		}
		p, err := s.store.Authenticate(c.Request.Context(), token)
		if err != nil {
			var e *models.Error
			if errors.As(err, &e) && e.Code == models.EUnauthorized {
				c.Header("WWW-Authenticate", realm+`, error="invalid_token"`)
			}
			s.fail(c, err) // a database that does not answer is a 503 here too
			return
		}
		if !p.Role.Allows(need) {
			c.Header("WWW-Authenticate", realm+`, error="insufficient_scope", scope="`+string(need)+`"`)
			httpio.WriteError(c, s.log, &models.Error{Code: models.EForbidden,
				Message: "the token " + p.Name + " has the role " + string(p.Role) + "; this request needs " + string(need)})
			return
		}
		c.Set(principalKey, p)
		c.Header("Cache-Control", "no-store")
		c.Next()
	}
}

// bearerToken reads the token of an Authorization header in the Bearer scheme, whose
// name is case-insensitive (RFC 9110 section 11.1); false when there is none.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// principal is who made the request, as requireRole found; nil on a route without it.
func principal(c *gin.Context) *models.Principal {
	if v, ok := c.Get(principalKey); ok {
		return v.(*models.Principal)
	}
	return nil
}
