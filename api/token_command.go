package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"gridmap/cli"
	"gridmap/store"
)

// TokenCommand is the command gridd token (create, list, revoke): the
// front of the token rules above for an administrator at the server.
// Creation and revocation are audited with actor "cli".
type TokenCommand struct {
	Out, Err io.Writer // the answer (a secret, a table); notes and usage
	// Store opens the database (the command's caller closes it).
	Store func(context.Context) (*store.Store, error)
}

// Run runs gridd token with its arguments (the subcommand first).
func (e TokenCommand) Run(ctx context.Context, args []string) error {
	type sub struct {
		summary string
		run     func(context.Context, []string) error
	}
	c, rest, ok, err := cli.Pick(e.Err, "token", map[string]sub{
		"create": {"create a token: --role ROLE [--area CODE] [--worker ID] [--department NAME] [--name NAME]", e.create},
		"list":   {"list the tokens", e.list},
		"revoke": {"revoke a token: ID", e.revoke}}, func(s sub) string { return s.summary }, args)
	if !ok {
		return err
	}
	return c.run(ctx, rest)
}

func (e TokenCommand) create(ctx context.Context, args []string) error {
	fs := cli.NewFlags(e.Err, "token create", "--role viewer|planner|approver|admin|operator|worker|department [--area CODE] [--worker ID] [--department NAME] [--name NAME]")
	var nt store.NewToken
	fs.StringVar(&nt.Role, "role", "", "viewer, planner, approver, admin, operator (a town's), worker (a grid worker's) or department (a county department's) (required)")
	area := fs.String("area", "", "area scope: a city, county, town or village code (4, 6, 9 or 12 digits); empty for the whole city; a grid code for --role worker")
	fs.Int64Var(&nt.Worker, "worker", 0, "the grid worker a --role worker token belongs to (see POST /workers)")
	fs.StringVar(&nt.Department, "department", "", "the department a --role department token acts for (城管局); its --area is the county")
	fs.StringVar(&nt.Name, "name", "", "what the token is for (shown in token list)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := CheckNewToken(&nt, *area); err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	st, err := e.Store(ctx)
	if err != nil {
		return err
	}
	t, secret, err := st.CreateToken(ctx, nt, &store.AuditEntry{Actor: "cli", Action: "token.create"})
	switch {
	case errors.Is(err, store.ErrNotFound) && nt.Worker != 0:
		return fmt.Errorf("token create: --worker %d or --area %s: no such worker or grid", nt.Worker, *area)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("token create: --area %s: no such area (load the areas first: gridd demo or gridd import)", *area)
	case err != nil:
		return err
	}
	scope := nt.Area
	what := "the whole city"
	if scope != "" {
		what = "area " + scope.Short()
	}
	fmt.Fprintf(e.Err, "created token %d (%s, %s); it is shown once, store it now:\n", t.ID, t.Role, what)
	fmt.Fprintln(e.Out, secret)
	return nil
}

func (e TokenCommand) list(ctx context.Context, args []string) error {
	fs := cli.NewFlags(e.Err, "token list", "")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	st, err := e.Store(ctx)
	if err != nil {
		return err
	}
	ts, err := st.Tokens(ctx)
	if err != nil {
		return err
	}
	return WriteTokenTable(e.Out, ts)
}

func (e TokenCommand) revoke(ctx context.Context, args []string) error {
	fs := cli.NewFlags(e.Err, "token revoke", "ID")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("token revoke: give one token id (see gridd token list)")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("token revoke: %q is not a token id: want a whole number from 1 (see gridd token list)", fs.Arg(0))
	}
	st, err := e.Store(ctx)
	if err != nil {
		return err
	}
	t, err := st.RevokeToken(ctx, id, &store.AuditEntry{Actor: "cli", Action: "token.revoke"})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("token revoke: token %d does not exist (see gridd token list)", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "token %d revoked at %s\n", t.ID, t.RevokedAt.UTC().Format(time.RFC3339))
	return nil
}
