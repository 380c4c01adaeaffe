// Command specgen regenerates docs/swagger.{json,yaml} and openapi.yaml from the swag
// annotations. Run it through go generate from the repository root.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/evidence-kb/parental-engagement/internal/specgen"
)

func main() {
	files, err := specgen.Generate(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
	for path, b := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "specgen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "specgen:", err)
			os.Exit(1)
		}
	}
}
