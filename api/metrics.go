package api

import (
	"github.com/prometheus/client_golang/prometheus"
)

// collectors are the API's own metrics, beside the edge's: the snapshot being served.
// The README lists them.
func (s *Server) collectors() []prometheus.Collector {
	st := s.store
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_snapshot_studies",
			Help: "Live studies in the snapshot being served.",
		}, func() float64 { n, _ := st.Catalog().Size(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_snapshot_interventions",
			Help: "Live interventions in the snapshot being served.",
		}, func() float64 { _, n := st.Catalog().Size(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_snapshot_build_seconds",
			Help: "How long the snapshot being served took to build: the whole catalogue after a load or an import, the changes applied to the previous one after a write.",
		}, func() float64 { return st.BuildDuration().Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_snapshot_revision",
			Help: "The store revision of the snapshot being served: the writes taken since seeding (1 when seeded).",
		}, func() float64 { return float64(st.Revision()) }),
	}
}
