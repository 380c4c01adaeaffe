package api

import "github.com/evidence-kb/parental-engagement/internal/edge"

// planningRoutes are the JSON endpoints behind school leaders' planning pages.
func (s *Server) planningRoutes() []edge.Route { return nil }
