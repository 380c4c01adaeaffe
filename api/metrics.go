package api

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-kb/parental-engagement/store"
)

// collectors are the API's own metrics, beside the edge's: the snapshot being served, and
// the database as this process finds it.
// The README lists them.
func (s *Server) collectors() []prometheus.Collector {
	st := s.store
	out := []prometheus.Collector{
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
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_db_up",
			Help: "1 when this process's last contact with the database succeeded, 0 while it does not answer (reads are then served from the snapshot, writes refused with 503).",
		}, func() float64 { return boolGauge(st.DBState().Up) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_db_storage_full",
			Help: "1 when the last write met a full disk and none has succeeded since (writes are refused with 507), else 0.",
		}, func() float64 { return boolGauge(st.DBState().StorageFull) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kb_db_reconnects_total",
			Help: "Times the database answered again after being unavailable.",
		}, func() float64 { return float64(st.DBState().Reconnects) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_db_last_write_timestamp_seconds",
			Help: "When this process last committed a write, in Unix seconds; 0 if it has not since it started.",
		}, func() float64 {
			if at := st.DBState().LastWrite; !at.IsZero() {
				return float64(at.UnixNano()) / 1e9
			}
			return 0
		}),
	}
	// one series per class, all present from the start (at 0), so that rate() and alerts
	// see a class's first error
	for _, class := range store.ErrorClasses {
		out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "kb_db_errors_total",
			Help:        "Database operations that failed because the database was unavailable or full, by class: connection, timeout, shutdown, read_only, overloaded, io, storage_full.",
			ConstLabels: prometheus.Labels{"class": class},
		}, func() float64 { return float64(st.DBErrors(class)) }))
	}
	return out
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
