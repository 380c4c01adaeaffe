package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/evidence-kb/parental-engagement"

// packageRule is what one package of ours may import: the packages of this module it may
// use directly, and the outside packages it must not reach, directly or through others.
type packageRule struct {
	ours         []string // module-relative paths; "" is the main package
	neverReaches []string // import-path prefixes, checked over all dependencies (gin itself
	// reaches html/template, so the rule that pages alone render HTML is on direct imports)
}

// layout is the house plan in the README's "Where things are", as a rule per package.
// Dependencies point inward, toward models.
var layout = map[string]packageRule{
	"models":                       {neverReaches: []string{"gorm.io/", "github.com/gin-gonic/", "database/sql", "html/template"}},
	"catalog":                      {ours: []string{"models"}, neverReaches: []string{"gorm.io/", "github.com/gin-gonic/", "database/sql", "html/template", "net/http"}},
	"export":                       {ours: []string{"models"}, neverReaches: []string{"gorm.io/", "github.com/gin-gonic/", "database/sql"}},
	"store":                        {ours: []string{"models", "catalog"}, neverReaches: []string{"github.com/gin-gonic/", "net/http", "html/template"}},
	"internal/httpio":              {ours: []string{"models"}, neverReaches: []string{"gorm.io/", "github.com/mattn/go-sqlite3"}},
	"api":                          {ours: []string{"models", "catalog", "store", "export", "internal/httpio"}},
	"web":                          {ours: []string{"models", "catalog", "export", "internal/httpio"}, neverReaches: []string{"gorm.io/", "github.com/mattn/go-sqlite3"}},
	"internal/synth":               {ours: []string{"models"}, neverReaches: []string{"gorm.io/", "github.com/gin-gonic/"}},
	"internal/specgen":             {ours: []string{"export"}, neverReaches: []string{"gorm.io/"}},
	"internal/specgen/cmd/specgen": {ours: []string{"internal/specgen"}},
	"internal/cmd/trivial":         {},
	"internal/cmd/writeload":       {},
	"internal/cmd/abuse":           {},
	"internal/apitest":             {ours: []string{"models", "store", "api", "web", "internal/httpio", "internal/storetest"}},
	"internal/storetest":           {neverReaches: []string{"gorm.io/"}},
	"":                             {ours: []string{"models", "store", "api", "web", "internal/synth"}},
}

// directOnly are outside packages that one package of ours alone may import directly.
var directOnly = map[string]string{
	"gorm.io/":      "store",
	"html/template": "web",
}

// TestLayout keeps the layering from eroding: every package of the module has a rule, and
// its imports keep to it.
func TestLayout(t *testing.T) {
	touchSources(t)
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}\t{{join .Deps \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		cols := strings.Split(line, "\t")
		pkg := strings.TrimPrefix(strings.TrimPrefix(cols[0], module), "/")
		imports, deps := strings.Fields(cols[1]), strings.Fields(cols[2])
		rule, ok := layout[pkg]
		if !ok {
			t.Errorf("package %q has no rule in layout_test.go: add one, and a line in the README's \"Where things are\"", pkg)
			continue
		}
		for _, imp := range imports {
			if rel, ours := strings.CutPrefix(imp, module); ours {
				if rel = strings.TrimPrefix(rel, "/"); !slices.Contains(rule.ours, rel) {
					t.Errorf("%s imports %s, which its rule does not allow", orMain(pkg), orMain(rel))
				}
			}
			for prefix, owner := range directOnly {
				if strings.HasPrefix(imp, prefix) && pkg != owner && !strings.HasPrefix(pkg, owner+"/") {
					t.Errorf("%s imports %s; only %s may", orMain(pkg), imp, owner)
				}
			}
		}
		for _, dep := range deps {
			for _, banned := range rule.neverReaches {
				if strings.HasPrefix(dep, banned) {
					t.Errorf("%s depends on %s, which it must never reach", orMain(pkg), dep)
				}
			}
		}
	}
}

func orMain(pkg string) string {
	if pkg == "" {
		return "the main package"
	}
	return pkg
}

// touchSources reads every Go file's metadata, so go test's cache reruns this test when
// any source changes: the go list it runs is invisible to the cache.
func touchSources(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") && path != "go.mod" {
			return err
		}
		_, err = os.Stat(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
