package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// Browser sessions: a curator signs in to the pages with an API token once, and the
// browser then carries a session id in a cookie instead of the token. Sessions live in the
// database, so every replica knows every one; only the SHA-256 hash of an id is stored,
// so the table, read by someone else, opens no session. A session is the token's: its
// name and role are read from the token at every use, and a revoked token's sessions end
// (RevokeToken deletes them, and a lookup refuses one whose token is revoked).
//
// The pages cannot import this package (layout_test.go), so what they call is named here
// in the domain's plain types: the sessions, and the pages' entry points to the very
// writes the API makes (WriteRecordAs and the rest below).

const (
	// SessionPrefix starts every session id, as TokenPrefix starts a token, so the two are
	// never mistaken for each other.
	SessionPrefix = "kbs_"
	// sessionBytes of randomness make a session id: 256 bits.
	sessionBytes = 32
	// seenEvery is how stale a session's last use may get before a lookup records a new
	// one: a write per minute per session at most, not one per page.
	seenEvery = time.Minute
)

// errNoSession is what a lookup of an id that opens nothing answers: never signed in,
// signed out, expired, or its token revoked all read the same to the browser.
func errNoSession(why string) error {
	return &models.Error{Code: models.EUnauthorized, Message: why}
}

type sessionRow struct {
	Hash       string `gorm:"primaryKey"`
	TokenName  string
	CreatedAt  string
	LastSeenAt string
	ExpiresAt  string
}

func (sessionRow) TableName() string { return "sessions" }

// StartSession checks token as Authenticate does and opens a session for its holder that
// ends after idle without use, and after maxAge whatever happens. It returns the session
// id, which is shown this once (the browser's cookie keeps it), and who holds it. Sessions
// that have ended are swept out on the way.
func (s *Store) StartSession(ctx context.Context, token string, idle, maxAge time.Duration) (string, *models.Principal, error) {
	p, err := s.Authenticate(ctx, token)
	if err != nil {
		return "", nil, err
	}
	secret := make([]byte, sessionBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	id := SessionPrefix + tokenEncoding.EncodeToString(secret)
	now := time.Now()
	row := sessionRow{Hash: hashToken(id), TokenName: p.Name, CreatedAt: formatTime(now), LastSeenAt: formatTime(now),
		ExpiresAt: formatTime(now.Add(maxAge))}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
			formatTime(now), formatTime(now.Add(-idle))).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return id, p, nil
}

// Session finds who holds the session id: the token's name and its role now. A session
// that does not exist, has been idle for idle or longer, is past its end, or whose token
// has been revoked is an EUnauthorized error (and one that has ended is deleted). A use is
// recorded at most once a minute, on a best-effort basis, as Authenticate records a
// token's.
func (s *Store) Session(ctx context.Context, id string, idle time.Duration) (*models.Principal, error) {
	if !strings.HasPrefix(id, SessionPrefix) || len(id) != len(SessionPrefix)+tokenEncoding.EncodedLen(sessionBytes) {
		return nil, errNoSession("no such session")
	}
	hash := hashToken(id)
	var rows []struct {
		Hash       string
		TokenName  string
		LastSeenAt string
		ExpiresAt  string
		Role       string
		RevokedAt  *string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT s.hash, s.token_name, s.last_seen_at, s.expires_at, t.role, t.revoked_at
		FROM sessions s JOIN tokens t ON t.name = s.token_name WHERE s.hash = ?`, hash).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if len(rows) == 0 || subtle.ConstantTimeCompare([]byte(rows[0].Hash), []byte(hash)) != 1 {
		return nil, errNoSession("no such session: signed out, or never signed in")
	}
	row, now := rows[0], time.Now()
	var ended error
	switch {
	case row.RevokedAt != nil:
		ended = errNoSession("the token " + row.TokenName + " has been revoked")
	case row.ExpiresAt <= formatTime(now):
		ended = errNoSession("the session has reached its end")
	case row.LastSeenAt <= formatTime(now.Add(-idle)):
		ended = errNoSession("the session ended after " + idle.String() + " without use")
	}
	if ended != nil {
		s.db.WithContext(ctx).Exec("DELETE FROM sessions WHERE hash = ?", hash) // best effort: it is refused either way
		return nil, ended
	}
	if row.LastSeenAt <= formatTime(now.Add(-seenEvery)) {
		// conditional, so concurrent pages record one use between them; best effort
		s.db.WithContext(ctx).Exec("UPDATE sessions SET last_seen_at = ? WHERE hash = ? AND last_seen_at <= ?",
			formatTime(now), hash, formatTime(now.Add(-seenEvery)))
	}
	return &models.Principal{Name: row.TokenName, Role: models.Role(row.Role)}, nil
}

// EndSession ends the session id (signing out). Ending one that is not there is no error.
func (s *Store) EndSession(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Exec("DELETE FROM sessions WHERE hash = ?", hashToken(id)).Error; err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// CountSessions is how many sessions the named token has open, ended ones not yet swept
// included (tests, and token list's readers).
func (s *Store) CountSessions(ctx context.Context, name string) (int, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("token_name = ?", name).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count sessions: %w", err)
	}
	return int(n), nil
}

// actorOf is who makes a write through the pages, as the audit log records it: the
// session's token, as the API records the bearer token's.
func actorOf(who models.Principal, requestID string) Actor {
	return Actor{Name: who.Name, Role: who.Role, RequestID: requestID}
}

// WriteRecordAs is Write for the pages: who (a session's holder) makes op on the record id
// of kind (models.KindStudy or KindIntervention), which record carries for a create or an
// update (*models.Study or *models.Intervention), given the ETags the writer saw (ifMatch)
// and, for a delete, whether to unlink the references to it. It is the very write the API
// makes, checks, transaction and audit entries included; it returns the snapshot that
// holds it.
func (s *Store) WriteRecordAs(ctx context.Context, who models.Principal, requestID, kind, op, id string, record any,
	ifMatch []string, unlink bool) (*catalog.Catalog, error) {
	w := RecordWrite{Actor: actorOf(who, requestID), Kind: kind, Op: op, ID: id, IfMatch: ifMatch, Unlink: unlink}
	switch r := record.(type) {
	case *models.Study:
		if kind != StudyWrites.Name {
			return nil, fmt.Errorf("store: a study written as a %s", kind)
		}
		w.Study = r
	case *models.Intervention:
		if kind != InterventionWrites.Name {
			return nil, fmt.Errorf("store: an intervention written as a %s", kind)
		}
		w.Intervention = r
	case nil:
		if op != models.OpDelete {
			return nil, errors.New("store: a create or an update without its record")
		}
	default:
		return nil, fmt.Errorf("store: %T is not a record", record)
	}
	written, err := s.Write(ctx, w)
	if err != nil {
		return nil, err
	}
	return written.Catalog, nil
}

// WriteVocabularyAs is WriteVocabulary for the pages: a put of item (a models.Theme,
// Strand or DisadvantageFocus), or a delete, of the value slug of kind. It returns the
// snapshot that holds it and what the write did (models.OpCreate, OpUpdate, OpDelete).
func (s *Store) WriteVocabularyAs(ctx context.Context, who models.Principal, requestID, kind, slug string, item any,
	del bool, ifMatch []string) (*catalog.Catalog, string, error) {
	written, err := s.WriteVocabulary(ctx, VocabularyWrite{Actor: actorOf(who, requestID), Kind: kind, Slug: slug,
		Delete: del, Item: item, IfMatch: ifMatch})
	if err != nil {
		return nil, "", err
	}
	return written.Catalog, written.Op, nil
}

// ImportAs is Import for the pages.
func (s *Store) ImportAs(ctx context.Context, who models.Principal, requestID string, raw []byte, dryRun bool) (*models.ImportReport, error) {
	return s.Import(ctx, actorOf(who, requestID), raw, dryRun)
}

// AuditLog lists the audit entries the filters select, newest first, a page at a time,
// and how many there are in all: every non-empty filter must match, and an entry's time
// must be at or after from and before to, when they are not zero. Page counts from 1.
func (s *Store) AuditLog(ctx context.Context, kind, recordID, actor, operation string, from, to time.Time,
	page, perPage int) ([]models.AuditEntry, int, error) {
	return s.Audit(ctx, AuditQuery{Kind: kind, RecordID: recordID, Actor: actor, Operation: operation,
		From: from, To: to, Page: page, PerPage: perPage})
}
