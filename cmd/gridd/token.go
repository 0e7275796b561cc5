package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gridmap/api"
	"gridmap/store"
)

// cmdToken creates, lists and revokes API tokens. Creation and revocation
// are audited with actor "cli".
func cmdToken(ctx context.Context, e *env, args []string) error {
	const usage = "token create --role ROLE [--area CODE] [--worker ID] [--department NAME] [--name NAME] | token list | token revoke ID"
	if len(args) == 0 {
		return fmt.Errorf("usage: gridd %s", usage)
	}
	switch args[0] {
	case "create":
		return tokenCreate(ctx, e, args[1:])
	case "list":
		return tokenList(ctx, e, args[1:])
	case "revoke":
		return tokenRevoke(ctx, e, args[1:])
	}
	return fmt.Errorf("unknown token command %q: usage: gridd %s", args[0], usage)
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token create", "--role viewer|planner|approver|admin|operator|worker|department [--area CODE] [--worker ID] [--department NAME] [--name NAME]")
	role := fs.String("role", "", "viewer, planner, approver, admin, operator (a town's), worker (a grid worker's) or department (a county department's) (required)")
	area := fs.String("area", "", "area scope: a city, county, town or village code (4, 6, 9 or 12 digits); empty for the whole city; a grid code for --role worker")
	worker := fs.Int64("worker", 0, "the grid worker a --role worker token belongs to (see POST /workers)")
	department := fs.String("department", "", "the department a --role department token acts for (城管局); its --area is the county")
	name := fs.String("name", "", "what the token is for (shown in token list)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *role == "" {
		return errors.New("token create: --role is required: viewer, planner, approver or admin")
	}
	r, err := api.ParseRole(*role)
	if err != nil {
		return fmt.Errorf("token create: --role: %w", err)
	}
	scope, err := api.TokenScope(r, *area, *worker)
	if err == nil {
		err = api.TokenDepartment(r, scope, *department)
	}
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	t, secret, err := st.CreateToken(ctx, store.NewToken{Name: *name, Role: *role, Area: scope, Worker: *worker, Department: strings.TrimSpace(*department)},
		&store.AuditEntry{Actor: "cli", Action: "token.create"})
	if errors.Is(err, store.ErrNotFound) {
		if *worker != 0 {
			return fmt.Errorf("token create: --worker %d or --area %s: no such worker or grid", *worker, *area)
		}
		return fmt.Errorf("token create: --area %s: no such area (load the areas first: gridd demo or gridd import)", *area)
	}
	if err != nil {
		return err
	}
	what := "the whole city"
	if scope != "" {
		what = "area " + scope.Short()
	}
	fmt.Fprintf(e.stderr, "created token %d (%s, %s); it is shown once, store it now:\n", t.ID, t.Role, what)
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token list", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	ts, err := st.Tokens(ctx)
	if err != nil {
		return err
	}
	return api.WriteTokenTable(e.stdout, ts)
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token revoke", "ID")
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
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.RevokeToken(ctx, id, &store.AuditEntry{Actor: "cli", Action: "token.revoke"})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("token revoke: token %d does not exist (see gridd token list)", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "token %d revoked at %s\n", t.ID, t.RevokedAt.UTC().Format(time.RFC3339))
	return nil
}
