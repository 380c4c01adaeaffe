package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// Curators work in the browser: they sign in once with their API token, and the browser
// then carries a session cookie. The pages change the evidence through the very writes the
// API makes (the store's, with their checks, transactions and audit entries), and show
// every change as a diff. Everything here works without JavaScript.
//
// Sessions live in the store, so every replica knows every one: a random id (256 bits) in
// an HttpOnly, SameSite=Lax cookie, Secure and named with the __Host- prefix over TLS. A
// session ends after SessionIdle without use, after SessionMaxAge in any case, when its
// holder signs out, and when its token is revoked.
//
// Every form that changes something is checked by net/http's CrossOriginProtection (Fetch
// Metadata, then Origin against Host): a form posted from another site is refused with 403
// before anything else runs. The session cookie's SameSite=Lax is a second line.
//
// Pages for a signed-in curator are never stored by any cache ("private, no-store"); the
// public pages a reader without a session sees are cached as before, and say Vary: Cookie,
// so that no cache hands a reader's copy to a curator or a curator's to anyone.

// Curation is what the curators' pages need of the store: sessions, the writes the API
// makes, imports and the audit log, named in the domain's plain types. *store.Store has it;
// a Snapshots without it serves the public pages only, and the curators' pages answer 503.
type Curation interface {
	Snapshots
	StartSession(ctx context.Context, token string, idle, maxAge time.Duration) (string, *models.Principal, error)
	Session(ctx context.Context, id string, idle time.Duration) (*models.Principal, error)
	EndSession(ctx context.Context, id string) error
	WriteRecordAs(ctx context.Context, who models.Principal, requestID, kind, op, id string, record any, ifMatch []string, unlink bool) (*catalog.Catalog, error)
	WriteVocabularyAs(ctx context.Context, who models.Principal, requestID, kind, slug string, item any, del bool, ifMatch []string) (*catalog.Catalog, string, error)
	ImportAs(ctx context.Context, who models.Principal, requestID string, raw []byte, dryRun bool) (*models.ImportReport, error)
	AuditLog(ctx context.Context, kind, recordID, actor, operation string, from, to time.Time, page, perPage int) ([]models.AuditEntry, int, error)
}

// How long a session lasts: it ends after SessionIdle without a request, and after
// SessionMaxAge whatever happens (the cookie's Max-Age too).
const (
	SessionIdle   = time.Hour
	SessionMaxAge = 12 * time.Hour
)

// Cookie names. Over TLS the session cookie takes the __Host- prefix, which browsers
// accept only with Secure, Path=/ and no Domain: no subdomain can plant or shadow it.
const (
	sessionCookie       = "kb_session"
	secureSessionCookie = "__Host-kb_session"
	flashCookie         = "kb_flash"
	secureFlashCookie   = "__Host-kb_flash"
)

// Context keys of a request's session: who holds it (a *models.Principal), and whether
// the lookup has been made (so that it is made once per request).
const (
	curatorKey = "web.curator"
	lookedKey  = "web.session-looked-up"
)

// importBodyBytes bounds an upload to the import page, as the API bounds its imports.
const importBodyBytes = 512 << 20

// The curators' page paths (fixed: outside checks rely on them).
const (
	signInPath       = "/sign-in"
	signOutPath      = "/sign-out"
	vocabulariesPath = "/vocabularies"
	auditPath        = "/audit"
	importPath       = "/import"
)

// crossOrigin refuses state-changing requests a browser sent from another origin.
var crossOrigin = http.NewCrossOriginProtection()

// curationRoutes are the pages curators sign in to and edit the evidence with.
func (s *Site) curationRoutes() []edge.Route {
	get := func(path string, cost edge.Cost, h ...gin.HandlerFunc) edge.Route {
		return edge.Route{Method: http.MethodGet, Path: path, Handlers: append([]gin.HandlerFunc{s.private}, h...), Cost: cost}
	}
	// every POST passes the cross-origin check first, before any session is looked at
	post := func(path string, h ...gin.HandlerFunc) edge.Route {
		return edge.Route{Method: http.MethodPost, Path: path, Handlers: append([]gin.HandlerFunc{s.private, s.sameOrigin}, h...), Cost: edge.Cheap}
	}
	curator, admin := s.require(models.RoleCurator), s.require(models.RoleAdmin)
	routes := []edge.Route{
		get(signInPath, edge.Cheap, s.signInPage),
		post(signInPath, s.signIn),
		get(signOutPath, edge.Cheap, s.signOutPage),
		post(signOutPath, s.signOut),
		get(vocabulariesPath, edge.Cheap, admin, s.vocabulariesPage),
		post(vocabulariesPath, admin, s.vocabularyWrite),
		get(auditPath, edge.List, admin, s.auditPage),
		get(importPath, edge.Cheap, admin, s.importPage),
	}
	imp := post(importPath, admin, s.importWrite)
	imp.MaxBodyBytes = importBodyBytes
	routes = append(routes, imp)
	for _, k := range editKinds {
		base := "/" + k.collection
		routes = append(routes,
			get(base+"/new", edge.Cheap, curator, s.editPage(k, true)),
			post(base+"/new", s.keepingForm(models.RoleCurator), s.saveRecord(k, true)),
			get(base+"/:id/edit", edge.Cheap, curator, s.editPage(k, false)),
			post(base+"/:id/edit", s.keepingForm(models.RoleCurator), s.saveRecord(k, false)),
			post(base+"/:id/delete", curator, s.deleteRecord(k)),
			get(base+"/:id/history", edge.Cheap, s.historyPage(k)),
		)
	}
	return routes
}

// private marks a curators' page: never stored by any cache, and different per cookie.
// It looks up the session, if the request carries one.
func (s *Site) private(c *gin.Context) {
	c.Header("Cache-Control", "private, no-store")
	c.Header("Vary", "Cookie")
	if s.cur == nil {
		s.curationError(c, http.StatusServiceUnavailable, "Curating is not available here",
			"This server shows the evidence base without its store, so nobody can sign in to change it.")
		return
	}
	s.lookUpSession(c)
	c.Next()
}

// sameOrigin refuses a state-changing request sent by another site (Go's
// CrossOriginProtection: Sec-Fetch-Site, or else Origin against Host). Requests without
// either header (not from a browser) pass: they carry no browser's cookie by accident.
func (s *Site) sameOrigin(c *gin.Context) {
	if err := crossOrigin.Check(c.Request); err != nil {
		s.log.Warn("cross-origin form refused", "path", c.Request.URL.Path, "origin", c.GetHeader("Origin"),
			"sec_fetch_site", c.GetHeader("Sec-Fetch-Site"), "request_id", httpio.RequestID(c))
		s.curationError(c, http.StatusForbidden, "This form came from another site",
			"The evidence base accepts changes only from its own pages. Nothing was changed. If you meant to make this change, open the page on this site and send it from there.")
		return
	}
	c.Next()
}

// lookUpSession finds the session the request's cookie names, once per request, and keeps
// its holder in the context. A cookie that names no live session is cleared; one the
// database could not check is kept.
func (s *Site) lookUpSession(c *gin.Context) *models.Principal {
	if v, ok := c.Get(lookedKey); ok && v.(bool) {
		return signedIn(c)
	}
	c.Set(lookedKey, true)
	if s.cur == nil {
		return nil
	}
	id := sessionID(c.Request)
	if id == "" {
		return nil
	}
	p, err := s.cur.Session(c.Request.Context(), id, s.idle)
	if err != nil {
		var e *models.Error
		if !errors.As(err, &e) || e.Code != models.EUnauthorized {
			// the database could not say (it is down, say): the session may well live on,
			// so the cookie stays and this page is a reader's
			s.log.Error("session lookup", "err", err, "request_id", httpio.RequestID(c))
			return nil
		}
		clearCookie(c, sessionCookieOf(c.Request))
		c.Set(endedKey, true)
		return nil
	}
	c.Set(curatorKey, p)
	return p
}

// endedKey marks a request whose cookie named a session that has ended.
const endedKey = "web.session-ended"

// signedIn is who holds the request's session, as lookUpSession found; nil for none.
func signedIn(c *gin.Context) *models.Principal {
	if v, ok := c.Get(curatorKey); ok {
		return v.(*models.Principal)
	}
	return nil
}

// sessionID is the session id the request's cookie carries, or "".
func sessionID(r *http.Request) string {
	if ck, err := r.Cookie(sessionCookieOf(r)); err == nil {
		return ck.Value
	}
	return ""
}

// sessionCookieOf is the name of the session cookie the request carries: the one for its
// scheme, or the plain one a browser kept from before the site moved to TLS.
func sessionCookieOf(r *http.Request) string {
	name := sessionCookieName(r)
	if ck, err := r.Cookie(name); err == nil && ck.Value != "" {
		return name
	}
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		return sessionCookie
	}
	return name
}

// overTLS tells whether the browser reached us over HTTPS (directly, or through a proxy
// that says so): then cookies are Secure and take the __Host- prefix.
func overTLS(r *http.Request) bool { return strings.HasPrefix(httpio.BaseURL(r), "https://") }

func sessionCookieName(r *http.Request) string {
	if overTLS(r) {
		return secureSessionCookie
	}
	return sessionCookie
}

func flashCookieName(r *http.Request) string {
	if overTLS(r) {
		return secureFlashCookie
	}
	return flashCookie
}

// setCookie sets one of the site's cookies: HttpOnly, SameSite=Lax, Path=/, no Domain,
// and Secure over TLS. maxAge < 0 deletes it.
func setCookie(c *gin.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: overTLS(c.Request), MaxAge: int(maxAge.Seconds())}
	if maxAge < 0 {
		ck.MaxAge = -1
	}
	http.SetCookie(c.Writer, ck)
}

func clearCookie(c *gin.Context, name string) { setCookie(c, name, "", -1) }

// require lets a request through only with a live session whose role allows need. Without
// one, a page asks the reader to sign in (and comes back); with too weak a role, 403.
func (s *Site) require(need models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := s.lookUpSession(c)
		switch {
		case p == nil && c.Request.Method == http.MethodGet:
			c.Redirect(http.StatusSeeOther, signInPath+"?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
		case p == nil:
			s.signedOutError(c)
		case !p.Role.Allows(need):
			s.curationError(c, http.StatusForbidden, "This page is for admins",
				"You are signed in as "+p.Name+", whose role is "+string(p.Role)+
					". Changing the vocabularies, reading the audit log and importing need an admin's token. Ask an admin if you need one of these done.")
		default:
			c.Next()
		}
	}
}

// keepingForm is require for the pages whose forms hold a curator's typing: the handler
// runs even without a session, so that it can show the form again as typed (saving
// nothing) and ask its author to sign in again.
func (s *Site) keepingForm(need models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := s.lookUpSession(c)
		if p != nil && !p.Role.Allows(need) {
			s.curationError(c, http.StatusForbidden, "Your role cannot make this change", "You are signed in as "+p.Name+", whose role is "+string(p.Role)+".")
			return
		}
		c.Next()
	}
}

// signedOutError answers a change sent without a live session.
func (s *Site) signedOutError(c *gin.Context) {
	msg := "You are not signed in, so nothing was changed. Sign in, then send the change again."
	if _, ended := c.Get(endedKey); ended {
		msg = "Your session has ended (after " + s.idle.String() + " without use, when you signed out, or when your token was revoked), so nothing was changed. Sign in again, then send the change again."
	}
	s.curationError(c, http.StatusUnauthorized, "Please sign in", msg)
}

// curationError answers a curators' page with an error page that no cache keeps.
func (s *Site) curationError(c *gin.Context, status int, heading, message string) {
	v := errorView{Status: status, Heading: heading, Message: message, Back: c.Request.URL.Path, ID: httpio.RequestID(c)}
	v.layout = s.layout(c, s.snapshot(c).Version(), heading, "", "")
	c.Header("Cache-Control", "private, no-store")
	c.Writer.Header().Del("ETag")
	c.Abort()
	s.render(c, status, "error", v)
}

// curatorBar is what a signed-in curator sees on every page: who they are, the way to edit
// the record the page shows, and (for an admin) the admin pages.
type curatorBar struct {
	Name, Role  string
	Admin       bool
	EditURL     string // the record page's edit page, on a record page
	HistoryURL  string
	RecordLabel string // "study" or "intervention", for the links' words
	Flash       string // what the last change did, once
}

// bar builds the curator bar of a page for p; the record is the page's, when the page is a
// record's.
func (s *Site) bar(c *gin.Context, p *models.Principal) *curatorBar {
	b := &curatorBar{Name: p.Name, Role: string(p.Role), Admin: p.Role.Allows(models.RoleAdmin)}
	for _, k := range editKinds {
		if c.FullPath() == "/"+k.collection+"/:id" && c.Request.Method == http.MethodGet {
			id := c.Param("id")
			if _, ok := s.snapshot(c).ETag(k.name, id); ok {
				b.EditURL, b.HistoryURL, b.RecordLabel = k.path(id)+"/edit", k.path(id)+"/history", k.name
			}
		}
	}
	if ck, err := c.Request.Cookie(flashCookieName(c.Request)); err == nil {
		if msg, err := url.QueryUnescape(ck.Value); err == nil {
			b.Flash = msg
		}
		clearCookie(c, flashCookieName(c.Request))
	}
	return b
}

// flash leaves a one-line message for the next page the curator sees.
func flash(c *gin.Context, msg string) {
	setCookie(c, flashCookieName(c.Request), url.QueryEscape(msg), time.Minute)
}

// localPath is next if it is a path on this site, else "/": sign-in never sends a reader
// elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// signInView is the sign-in page.
type signInView struct {
	layout
	Next   string
	Error  string
	Holder *models.Principal // who is signed in already
	Idle   string
	MaxAge string
}

func (s *Site) signInPage(c *gin.Context) {
	s.renderSignIn(c, http.StatusOK, "")
}

func (s *Site) renderSignIn(c *gin.Context, status int, problem string) {
	next := c.Query("next")
	if c.Request.Method == http.MethodPost {
		next = c.PostForm("next")
	}
	v := signInView{layout: s.curationLayout(c, "Sign in to curate"), Next: localPath(next), Error: problem,
		Holder: signedIn(c), Idle: words(s.idle), MaxAge: words(s.maxAge)}
	s.render(c, status, "signin", v)
}

// signIn checks the pasted token and starts a session.
func (s *Site) signIn(c *gin.Context) {
	token := strings.TrimSpace(c.PostForm("token"))
	if token == "" {
		s.renderSignIn(c, http.StatusUnprocessableEntity, "Paste your token: it starts with kbt_.")
		return
	}
	id, p, err := s.cur.StartSession(c.Request.Context(), token, s.idle, s.maxAge)
	if err != nil {
		var e *models.Error
		if errors.As(err, &e) && e.Code == models.EUnauthorized {
			s.renderSignIn(c, http.StatusUnauthorized, "That token was not accepted: "+e.Message+
				". Check you pasted all of it; if it has been revoked, ask an admin for a new one.")
			return
		}
		s.webFail(c, err)
		return
	}
	if old := sessionID(c.Request); old != "" { // a new sign-in replaces the session the browser had
		_ = s.cur.EndSession(c.Request.Context(), old)
	}
	setCookie(c, sessionCookieName(c.Request), id, s.maxAge)
	s.log.Info("signed in", "token", p.Name, "role", p.Role, "request_id", httpio.RequestID(c))
	flash(c, "Signed in as "+p.Name+".")
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("next")))
}

// signOutView is the sign-out page.
type signOutView struct {
	layout
	Holder *models.Principal
}

func (s *Site) signOutPage(c *gin.Context) {
	s.render(c, http.StatusOK, "signout", signOutView{layout: s.curationLayout(c, "Sign out"), Holder: signedIn(c)})
}

// signOut ends the session, here and on every replica.
func (s *Site) signOut(c *gin.Context) {
	if id := sessionID(c.Request); id != "" {
		if err := s.cur.EndSession(c.Request.Context(), id); err != nil {
			s.webFail(c, err)
			return
		}
	}
	clearCookie(c, sessionCookieOf(c.Request))
	c.Redirect(http.StatusSeeOther, signOutPath)
}

// curationLayout is the layout of a curators' page.
func (s *Site) curationLayout(c *gin.Context, title string) layout {
	l := s.layout(c, s.snapshot(c).Version(), title, "curate", "")
	l.Curating = true
	return l
}

// words says a duration as people do: "1 hour", "12 hours", "30 minutes".
func words(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour", "hours")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute", "minutes")
	}
	return d.String()
}
