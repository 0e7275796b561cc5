package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"gridmap/store"
	"gridmap/store/storetest"
)

// TestAudit checks an entry commits and rolls back with the transaction
// it was written in, round-trips before/after, and reads newest first.
func TestAudit(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	if err := st.Audit(ctx, nil, store.AuditEntry{Actor: "cli", Action: "test.one", Target: "a", After: map[string]int{"n": 1}, RequestID: "r1"}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		if err := st.Audit(ctx, tx, store.AuditEntry{Actor: "cli", Action: "test.rolledback"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		return st.Audit(ctx, tx, store.AuditEntry{Actor: "token:7", Action: "test.two", Target: "320902", Before: []string{"x"}, After: nil})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Audit(ctx, nil, store.AuditEntry{Action: "bad", After: make(chan int)}); err == nil {
		t.Error("audit of an unencodable value succeeded")
	}
	recs, err := st.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d entries, want 2 (the rolled back one must be gone): %+v", len(recs), recs)
	}
	two, one := recs[0], recs[1]
	if two.Action != "test.two" || two.Actor != "token:7" || string(two.After) != "null" || !jsonEq(two.Before, `["x"]`) {
		t.Errorf("entry two %+v", two)
	}
	if one.Action != "test.one" || one.RequestID != "r1" || string(one.Before) != "null" || !jsonEq(one.After, `{"n":1}`) || one.At.IsZero() {
		t.Errorf("entry one %+v", one)
	}
	if recs, _ := st.AuditLog(ctx, 1); len(recs) != 1 || recs[0].ID != two.ID {
		t.Errorf("limit 1: %+v", recs)
	}
	// Token writes audit themselves, in their transaction.
	tok, _, err := st.CreateToken(ctx, store.NewToken{Role: "viewer"}, &store.AuditEntry{Actor: "cli", Action: "token.create"})
	if err != nil {
		t.Fatal(err)
	}
	recs, _ = st.AuditLog(ctx, 1)
	if recs[0].Action != "token.create" || recs[0].Target != strconv.FormatInt(tok.ID, 10) || !jsonEq(recs[0].After, mustJSON(tok)) {
		t.Errorf("token audit %+v", recs[0])
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonEq(a []byte, b string) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
