package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

const tokenUsage = `Usage:
  evidence-kb token create [-db STORE] -name NAME [-role curator|admin]   make a token; it is printed once
  evidence-kb token list [-db STORE]                                     list tokens (never the tokens themselves)
  evidence-kb token revoke [-db STORE] NAME                              revoke a token for good (or -name NAME)
`

// token manages the API tokens that curators and admins write with.
func token(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return usageError{errors.New("token: name a command: create, list or revoke")}
	}
	cmd, args := args[0], args[1:]
	fs := newFlagSet("token "+cmd, tokenUsage+"\nFlags:\n", stderr)
	var dbPath string
	dbFlag(fs, &dbPath)
	var name, role *string
	switch cmd {
	case "create":
		name = fs.String("name", "", "who or what holds the token: 1 to 64 letters, digits, '.', '_', '-' or '@'")
		role = fs.String("role", string(models.RoleCurator), "curator (writes studies, interventions, evidence) or admin (also vocabularies, imports, audit log)")
	case "revoke":
		name = fs.String("name", "", "the token to revoke (or give it as the argument)")
	case "list":
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, tokenUsage)
		return flag.ErrHelp
	default:
		fmt.Fprint(stderr, tokenUsage)
		return usageError{fmt.Errorf("token: unknown command %q: use create, list or revoke", cmd)}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if cmd == "revoke" && len(rest) > 0 { // the name as an argument; flags may follow it
		if *name != "" && *name != rest[0] {
			return usageError{fmt.Errorf("token revoke: two names given, %q and %q", *name, rest[0])}
		}
		*name = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return usageError{err}
		}
		rest = fs.Args()
	}
	if len(rest) > 0 {
		return usageError{fmt.Errorf("token %s: unexpected argument %q", cmd, rest[0])}
	}
	if name != nil && *name == "" {
		return usageError{fmt.Errorf("token %s: name the token", cmd)}
	}
	var r models.Role
	if role != nil {
		var err error
		if r, err = models.ParseRole(*role); err != nil {
			return usageError{fmt.Errorf("-role: %q is not a role: use curator or admin", *role)}
		}
	}

	st, err := store.Open(ctx, store.Options{DB: dbPath})
	if err != nil {
		return err
	}
	defer st.Close()
	switch cmd {
	case "create":
		tok, err := st.CreateToken(ctx, *name, r)
		var invalid *models.Error
		if errors.As(err, &invalid) && invalid.Code == models.EInvalid {
			return usageError{err} // a malformed or taken name
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Token %q (%s) made. It is shown this once and only its hash is kept; send it as \"Authorization: Bearer <token>\":\n", *name, r)
		fmt.Fprintln(stdout, tok)
	case "list":
		list, err := st.ListTokens(ctx)
		if err != nil {
			return err
		}
		return printTokens(stdout, list)
	case "revoke":
		if err := st.RevokeToken(ctx, *name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Token %q revoked.\n", *name)
	}
	return nil
}

// printTokens writes the tokens as a table, one a line.
func printTokens(w io.Writer, list []models.TokenInfo) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tPREFIX\tCREATED\tLAST USED\tREVOKED")
	for _, t := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\n", t.Name, t.Role, t.Prefix, formatWhen(&t.CreatedAt), formatWhen(t.LastUsedAt), formatWhen(t.RevokedAt))
	}
	return tw.Flush()
}

// formatWhen writes a time in UTC to the second, or "-" for none.
func formatWhen(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
