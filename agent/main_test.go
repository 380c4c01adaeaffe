package agent_test

import (
	"testing"

	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// TestMain runs this package's tests on SQLite, and again on PostgreSQL when
// KB_TEST_PG_DSN names a server.
func TestMain(m *testing.M) { storetest.Main(m) }
