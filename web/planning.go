package web

import "github.com/evidence-kb/parental-engagement/internal/edge"

// planningRoutes are the pages school leaders use to turn evidence into their plan.
func (s *Site) planningRoutes() []edge.Route { return nil }
