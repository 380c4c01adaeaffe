package models_test

import (
	"errors"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

func TestParseRole(t *testing.T) {
	for _, s := range []string{"curator", "admin"} {
		if r, err := models.ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", s, r, err, s)
		}
	}
	for _, s := range []string{"", "Admin", "root", " curator"} {
		r, err := models.ParseRole(s)
		var e *models.Error
		if !errors.As(err, &e) || e.Code != models.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "role" {
			t.Errorf("ParseRole(%q) = %q, %v; want an invalid error naming role", s, r, err)
		}
	}
}

func TestRoleAllows(t *testing.T) {
	cases := []struct {
		have, need models.Role
		want       bool
	}{
		{models.RoleCurator, models.RoleCurator, true},
		{models.RoleCurator, models.RoleAdmin, false},
		{models.RoleAdmin, models.RoleCurator, true},
		{models.RoleAdmin, models.RoleAdmin, true},
		{"", models.RoleCurator, false},
		{"root", models.RoleAdmin, false},
		{models.RoleAdmin, "root", false},
	}
	for _, tc := range cases {
		if got := tc.have.Allows(tc.need); got != tc.want {
			t.Errorf("Role(%q).Allows(%q) = %v; want %v", tc.have, tc.need, got, tc.want)
		}
	}
}
