package web

import "github.com/evidence-kb/parental-engagement/internal/edge"

// curationRoutes are the pages curators sign in to and edit the evidence with.
func (s *Site) curationRoutes() []edge.Route { return nil }
