package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/models"
)

const (
	// TokenPrefix starts every API token, so a leaked one is recognisable (by secret
	// scanners too) as ours.
	TokenPrefix = "kbt_"
	// tokenBytes of randomness make a token: 256 bits.
	tokenBytes = 32
	// prefixLen characters of a token are kept in the clear, to recognise it in a listing:
	// "kbt_" and 8 characters (40 of the 256 bits).
	prefixLen = len(TokenPrefix) + 8
	// lastUsedEvery is how stale a token's last use may get before Authenticate records a
	// new one: a write per minute per token at most, not one per request.
	lastUsedEvery = time.Minute
	// timeLayout is RFC 3339 in UTC at a fixed width, so stored times sort as they compare.
	timeLayout = "2006-01-02T15:04:05.000000000Z"
)

// tokenEncoding writes a token's random bytes in lower-case base32 without padding: no
// characters that need escaping in a header, a shell or a URL, and a word to double-click.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var tokenNamePattern = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

type tokenRow struct {
	Name       string `gorm:"primaryKey"`
	Role       string
	Prefix     string
	Hash       string
	CreatedAt  string
	LastUsedAt *string
	RevokedAt  *string
}

func (tokenRow) TableName() string { return "tokens" }

// CreateToken makes a new API token with the given name and role and returns it. The
// token is shown this once: only its SHA-256 hash is stored. Names are letters, digits and
// ". _ - @", at most 64, and are never reused, even after the token is revoked.
func (s *Store) CreateToken(ctx context.Context, name string, role models.Role) (string, error) {
	if !tokenNamePattern.MatchString(name) {
		return "", models.Invalid("name", fmt.Sprintf("%q is not a token name: use 1 to 64 letters, digits, '.', '_', '-' or '@'", name))
	}
	if _, err := models.ParseRole(string(role)); err != nil {
		return "", err
	}
	secret := make([]byte, tokenBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	token := TokenPrefix + tokenEncoding.EncodeToString(secret)
	row := tokenRow{Name: name, Role: string(role), Prefix: token[:prefixLen], Hash: hashToken(token),
		CreatedAt: formatTime(time.Now())}
	taken := models.Invalid("name", fmt.Sprintf("%q is already the name of a token; names are not reused, even after revocation", name))
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tokenRow{}).Where("name = ?", name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return taken
		}
		return tx.Create(&row).Error
	})
	var e *models.Error
	switch {
	case err == nil:
		return token, nil
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return "", taken
	case errors.As(err, &e):
		return "", err
	}
	return "", fmt.Errorf("create token %q: %w", name, err)
}

// ListTokens describes every token, revoked ones too, in name order.
func (s *Store) ListTokens(ctx context.Context) ([]models.TokenInfo, error) {
	var rows []tokenRow
	if err := s.db.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]models.TokenInfo, len(rows))
	for i, r := range rows {
		info, err := r.toModel()
		if err != nil {
			return nil, err
		}
		out[i] = info
	}
	return out, nil
}

// RevokeToken makes the named token unusable from now on, and ends the browser sessions
// opened with it (sessions.go), in the same transaction. Revoking a revoked token keeps
// the time it was first revoked. An unknown name is an ENotFound error.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE name = ?", formatTime(time.Now()), name)
		if res.Error != nil {
			return fmt.Errorf("revoke token %q: %w", name, res.Error)
		}
		if res.RowsAffected == 0 {
			return models.NotFound("token", name)
		}
		if err := tx.Exec("DELETE FROM sessions WHERE token_name = ?", name).Error; err != nil {
			return fmt.Errorf("revoke token %q: end its sessions: %w", name, err)
		}
		return nil
	})
}

// Authenticate finds who holds token. An unknown or revoked token is an EUnauthorized
// error. A successful use is recorded as the token's last use, at most once a minute, and
// on a best-effort basis: failing to record it does not refuse the request.
func (s *Store) Authenticate(ctx context.Context, token string) (*models.Principal, error) {
	unknown := &models.Error{Code: models.EUnauthorized, Message: "the token is not recognised"}
	if !strings.HasPrefix(token, TokenPrefix) || len(token) != len(TokenPrefix)+tokenEncoding.EncodedLen(tokenBytes) {
		return nil, unknown
	}
	hash := hashToken(token)
	ctx, cancel := s.bounded(ctx) // every write asks first: it must not wait on the database longer than a write
	defer cancel()
	var rows []tokenRow
	if err := s.db.WithContext(ctx).Where("hash = ?", hash).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	// The lookup by hash is an index search; comparing the hashes again in constant time
	// keeps the decision itself free of timing differences.
	if len(rows) == 0 || subtle.ConstantTimeCompare([]byte(rows[0].Hash), []byte(hash)) != 1 {
		return nil, unknown
	}
	row := rows[0]
	if row.RevokedAt != nil {
		return nil, &models.Error{Code: models.EUnauthorized, Message: "the token has been revoked"}
	}
	now := time.Now()
	if row.LastUsedAt == nil || *row.LastUsedAt <= formatTime(now.Add(-lastUsedEvery)) {
		// A conditional update, so concurrent requests record one use between them; its
		// error is dropped on purpose (best effort, see above).
		s.db.WithContext(ctx).Exec("UPDATE tokens SET last_used_at = ? WHERE name = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
			formatTime(now), row.Name, formatTime(now.Add(-lastUsedEvery)))
	}
	return &models.Principal{Name: row.Name, Role: models.Role(row.Role)}, nil
}

// hashToken is what is stored of a token: its SHA-256, in hex. The token carries 256 random
// bits, so a fast unsalted hash is enough; a password hash would add only latency.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (r tokenRow) toModel() (models.TokenInfo, error) {
	info := models.TokenInfo{Name: r.Name, Role: models.Role(r.Role), Prefix: r.Prefix}
	var err error
	if info.CreatedAt, err = parseTime(r.CreatedAt); err != nil {
		return info, err
	}
	if info.LastUsedAt, err = parseOptionalTime(r.LastUsedAt); err != nil {
		return info, err
	}
	info.RevokedAt, err = parseOptionalTime(r.RevokedAt)
	return info, err
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

func parseOptionalTime(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := parseTime(*s)
	return &t, err
}
