package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/web"
)

const module = "github.com/evidence-kb/parental-engagement"

// packageRule is what one package of ours may import: the packages of this module it may
// use directly (its tests may use testOurs too), and the outside packages it must not
// reach, directly or through others.
type packageRule struct {
	ours         []string // module-relative paths; "" is the main package
	testOurs     []string // what its tests may import besides
	neverReaches []string // import-path prefixes, checked over all dependencies (gin itself
	// reaches html/template, so the rule that pages alone render HTML is on direct imports)
}

// harness is what any package's tests may import: the test servers and test stores. (The
// engine's and the exporters' tests also read the shipped dataset from store.)
var harness = []string{"internal/apitest", "store/storetest"}

// layout is the house plan in the README's "Where things are", as a rule per package.
// Dependencies point inward, toward models.
var layout = map[string]packageRule{
	"models":                       {neverReaches: []string{"gorm.io/", "github.com/gin-gonic/", "database/sql", "html/template"}},
	"catalog":                      {ours: []string{"models"}, testOurs: []string{"store", "internal/synth"}, neverReaches: []string{"gorm.io/", "github.com/gin-gonic/", "database/sql", "html/template", "net/http"}},
	"export":                       {ours: []string{"models"}, testOurs: []string{"store"}, neverReaches: []string{"gorm.io/", "github.com/gin-gonic/", "database/sql"}},
	"store":                        {ours: []string{"models", "catalog"}, testOurs: []string{"internal/synth"}, neverReaches: []string{"github.com/gin-gonic/", "net/http", "html/template"}},
	"store/storetest":              {neverReaches: []string{"gorm.io/", "github.com/gin-gonic/"}},
	"internal/httpio":              {ours: []string{"models"}, neverReaches: []string{"gorm.io/", "database/sql"}},
	"internal/edge":                {ours: []string{"models", "internal/httpio"}, neverReaches: []string{"gorm.io/"}},
	"api":                          {ours: []string{"models", "catalog", "store", "export", "internal/httpio", "internal/edge"}, testOurs: []string{"internal/synth"}},
	"agent":                        {ours: []string{"models", "catalog", "export", "internal/httpio", "internal/edge"}, testOurs: []string{"api", "store", "internal/synth"}, neverReaches: []string{"gorm.io/"}},
	"web":                          {ours: []string{"models", "catalog", "export", "internal/httpio", "internal/edge"}, testOurs: []string{"api", "store"}, neverReaches: []string{"gorm.io/"}},
	"internal/synth":               {ours: []string{"models"}, neverReaches: []string{"gorm.io/", "github.com/gin-gonic/"}},
	"internal/specgen":             {ours: []string{"export", "models"}, neverReaches: []string{"gorm.io/"}},
	"internal/specgen/cmd/specgen": {ours: []string{"internal/specgen"}},
	"internal/cmd/trivial":         {},
	"internal/cmd/loadkit":         {},
	"internal/cmd/writeload":       {ours: []string{"internal/cmd/loadkit"}},
	"internal/cmd/abuse":           {ours: []string{"internal/cmd/loadkit"}},
	"internal/cmd/writelatency":    {ours: []string{"internal/cmd/loadkit"}},
	"internal/cmd/outageload":      {},
	"internal/apitest":             {ours: []string{"models", "store", "api", "web", "internal/httpio", "internal/edge", "store/storetest"}},
	"":                             {ours: []string{"models", "store", "api", "web", "agent", "internal/edge", "internal/synth"}, testOurs: []string{"internal/specgen"}},
}

// directOnly are outside packages that one package of ours (and its subpackages) alone
// may import directly, in its code or its tests: SQL and its drivers are the store's,
// HTTP middleware is the edge's, HTML templates are the pages'.
var directOnly = map[string]string{
	"gorm.io/":                    "store",
	"database/sql":                "store",
	"github.com/mattn/go-sqlite3": "store",
	"github.com/jackc/":           "store",
	"github.com/lib/pq":           "store",
	"modernc.org/sqlite":          "store",
	"github.com/gin-contrib/":     "internal/edge",
	"html/template":               "web",
}

// goPackage is what go list says of one package.
type goPackage struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
	Deps                               []string
}

// TestLayout keeps the layering from eroding: every package of the module has a rule, and
// its imports, and its tests' imports, keep to it.
func TestLayout(t *testing.T) {
	touchSources(t)
	for _, p := range listPackages(t) {
		pkg := relative(p.ImportPath)
		rule, ok := layout[pkg]
		if !ok {
			t.Errorf("package %q has no rule in layout_test.go: add one, and a line in the README's \"Where things are\"", pkg)
			continue
		}
		self := []string{pkg} // an external test package imports the package it tests
		check := func(imports []string, allowed []string, what string) {
			for _, imp := range imports {
				if rel, ours := strings.CutPrefix(imp, module); ours {
					if rel = strings.TrimPrefix(rel, "/"); !slices.Contains(allowed, rel) {
						t.Errorf("%s%s imports %s, which its rule does not allow", orMain(pkg), what, orMain(rel))
					}
				}
				for prefix, owner := range directOnly {
					if strings.HasPrefix(imp, prefix) && pkg != owner && !strings.HasPrefix(pkg, owner+"/") {
						t.Errorf("%s%s imports %s; only %s may", orMain(pkg), what, imp, owner)
					}
				}
			}
		}
		check(p.Imports, rule.ours, "")
		check(append(p.TestImports, p.XTestImports...), slices.Concat(rule.ours, rule.testOurs, harness, self), "'s tests")
		for _, dep := range p.Deps {
			for _, banned := range rule.neverReaches {
				if strings.HasPrefix(dep, banned) {
					t.Errorf("%s depends on %s, which it must never reach", orMain(pkg), dep)
				}
			}
		}
	}
}

// Each surface keeps to its own paths: every route of the API is under /api/ or an
// operational path, no page is; the pages' code and templates name no path of the API,
// and the API's code names no page of the site (links across go through httpio).
func TestSurfacesKeepTheirPaths(t *testing.T) {
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	jsonAPI, err := api.Routes(nil, api.Options{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	operational := []string{"/healthz", "/readyz", "/openapi.yaml", "/openapi.json", "/docs"}
	apiPaths := map[string]bool{}
	for _, rt := range jsonAPI.Routes {
		if !strings.HasPrefix(rt.Path, "/api/") && !slices.ContainsFunc(operational, func(p string) bool { return strings.HasPrefix(rt.Path, p) }) {
			t.Errorf("the API serves %s, outside /api/ and the operational paths", rt.Path)
		}
		apiPaths[staticPrefix(strings.TrimPrefix(rt.Path, "/api/v1"))] = true
	}
	var pagePrefixes []string
	for _, rt := range web.Routes(nil, nil).Routes {
		if strings.HasPrefix(rt.Path, "/api/") || slices.Contains(operational, rt.Path) {
			t.Errorf("the site serves %s, a path of the API's", rt.Path)
		}
		// a page whose path is also an API resource's (/studies) cannot be told apart by
		// its words; the rest can
		if p := staticPrefix(rt.Path); p != "/" && !apiPaths[p] {
			pagePrefixes = append(pagePrefixes, p)
		}
	}
	for _, lit := range literals(t, "web", ".go", ".html") {
		if strings.Contains(lit, "/api/") {
			t.Errorf("web names the API's path %q: link through httpio.APIPath", lit)
		}
	}
	for _, lit := range literals(t, "api", ".go") {
		for _, p := range pagePrefixes {
			if lit == strings.TrimSuffix(p, "/") || strings.HasPrefix(lit, strings.TrimSuffix(p, "/")+"/") {
				t.Errorf("api names the page path %q: pages are web's", lit)
			}
		}
	}
}

// staticPrefix is a route pattern up to its first parameter.
func staticPrefix(pattern string) string {
	if i := strings.IndexAny(pattern, ":*"); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// literals are the string literals of a package's code (not its tests), and the whole
// text of its other files with the given endings (templates).
func literals(t *testing.T, dir string, endings ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") || !slices.Contains(endings, filepath.Ext(path)) {
			return err
		}
		if filepath.Ext(path) != ".go" {
			b, err := os.ReadFile(path)
			out = append(out, string(b))
			return err
		}
		f, err := parser.ParseFile(gotoken.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out = append(out, s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports,Deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func relative(importPath string) string {
	return strings.TrimPrefix(strings.TrimPrefix(importPath, module), "/")
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
