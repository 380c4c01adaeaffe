package models

import (
	"fmt"
	"time"
)

// Role is what an API token lets its holder do. Reading needs no token; writing does.
type Role string

// The roles, weakest first. A curator corrects and extends the evidence (studies,
// interventions, evidence); an admin can also change the vocabularies, run imports and
// read the audit log.
const (
	RoleCurator Role = "curator"
	RoleAdmin   Role = "admin"
)

// ParseRole reads a role name; anything else is an EInvalid error naming the field "role".
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleCurator, RoleAdmin:
		return r, nil
	}
	return "", Invalid("role", fmt.Sprintf("%q is not a role", s), string(RoleCurator), string(RoleAdmin))
}

// Allows reports whether a holder of r may do what needs the role need: an admin may do
// everything a curator may. An unknown role allows nothing.
func (r Role) Allows(need Role) bool {
	switch r {
	case RoleAdmin:
		return need == RoleAdmin || need == RoleCurator
	case RoleCurator:
		return need == RoleCurator
	}
	return false
}

// Principal is who made a request: the name of the token presented, and its role.
type Principal struct {
	Name string
	Role Role
}

// TokenInfo describes an API token without its secret, which is never stored.
type TokenInfo struct {
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Prefix     string     `json:"prefix"` // the token's first characters, to recognise it by
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // within a minute; nil if never used
	RevokedAt  *time.Time `json:"revoked_at"`   // nil while the token is valid
}
