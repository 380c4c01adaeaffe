package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files/v2"
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

func (s *Server) openAPIYAML(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", s.specYAML) }
func (s *Server) openAPIJSON(c *gin.Context) { c.Data(http.StatusOK, "application/json", s.specJSON) }

// docsUI serves Swagger UI from the embedded swaggo/files bundle: no CDN.
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
			c.Data(http.StatusOK, "application/javascript", []byte(swaggerInitializer))
			return
		}
		files.ServeHTTP(c.Writer, c.Request)
	}
}
