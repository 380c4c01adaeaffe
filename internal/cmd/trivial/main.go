// Command trivial is the load test's yardstick: a Gin server whose only handler answers a
// fixed JSON page read from a file, so the cost of the real service's query work can be
// read off against the cost of HTTP and Gin alone, measured in the same run.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8091", "listen address")
	page := flag.String("page", "", "JSON file to answer with")
	flag.Parse()
	body, err := os.ReadFile(*page)
	if err != nil {
		log.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/page", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	log.Fatal(r.Run(*addr))
}
