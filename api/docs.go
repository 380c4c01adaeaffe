package api

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files/v2"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// swaggerInitializer points the bundled Swagger UI at our spec instead of the petstore.
const swaggerInitializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.yaml",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout"
  });
};`

// openAPIYAML godoc
//
//	@Summary	This OpenAPI document, as YAML
//	@Description	The OpenAPI 3.0 contract of this API, generated from the handlers' annotations.
//	@ID				openAPIYAML
//	@Tags		operations
//	@Produce	application/yaml
//	@Success	200	{object}	map[string]any	"OpenAPI 3.0 document: a YAML mapping, which a YAML-aware client reads as an object"
//	@Router		/openapi.yaml [get]
func (s *Server) openAPIYAML(c *gin.Context) {
	s.compressed.serve(c, "openapi.yaml", "", "application/yaml", s.specYAML)
}

// openAPIJSON godoc
//
//	@Summary	This OpenAPI document, as JSON
//	@Description	The same OpenAPI 3.0 document as /openapi.yaml, in JSON.
//	@ID				openAPIJSON
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	map[string]any	"OpenAPI 3.0 document"
//	@Router		/openapi.json [get]
func (s *Server) openAPIJSON(c *gin.Context) {
	s.compressed.serve(c, "openapi.json", "", "application/json", s.specJSON)
}

// docsUI godoc
//
//	@Summary		Interactive API documentation (Swagger UI)
//	@Description	Swagger UI and its assets, embedded in the binary; /docs and /docs/index.html redirect to /docs/. Source maps (*.map) are plain text.
//	@Tags			operations
//	@Produce		html
//	@Produce		text/javascript
//	@Produce		text/css
//	@Produce		image/png
//	@Produce		plain
//	@Produce		application/problem+json
//	@Param			file	path		string	true	"An asset of the UI"	example(swagger-ui.css)
//	@Success		200		{string}	string	"the page or asset"
//	@Success		301		"index.html: a redirect to the page at /docs/"
//	@Header			301		{string}	Location	"./, the page at /docs/"
//	@Failure		404		{object}	Problem	"No such file"
//	@Router			/docs/ [get]
//	@Router			/docs/{file} [get]
func (s *Server) docsUI() gin.HandlerFunc {
	files := http.StripPrefix("/docs", http.FileServer(http.FS(swaggerFiles.FS)))
	return func(c *gin.Context) {
		switch c.Param("any") {
		case "", "/":
			if c.Request.URL.Path != "/docs/" {
				c.Redirect(http.StatusMovedPermanently, "/docs/")
				return
			}
		case "/swagger-initializer.js":
			c.Data(http.StatusOK, "text/javascript; charset=utf-8", []byte(swaggerInitializer))
			return
		}
		name := strings.TrimPrefix(c.Param("any"), "/")
		if name == "" {
			name = "index.html"
		}
		if st, err := fs.Stat(swaggerFiles.FS, name); err != nil || st.IsDir() {
			httpio.WriteProblem(c, http.StatusNotFound, "no such file of the docs: "+name, nil)
			return
		}
		files.ServeHTTP(c.Writer, c.Request)
	}
}
