package records_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gridmap/records"
)

// pgDump finds pg_dump: on the PATH, in pg_config's bindir, or in
// Debian's server directories.
func pgDump(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return p
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if p := filepath.Join(strings.TrimSpace(string(out)), "pg_dump"); exec.Command(p, "--version").Run() == nil {
			return p
		}
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump"); len(m) > 0 {
		return m[len(m)-1]
	}
	t.Fatal("no pg_dump: install postgresql-client")
	return ""
}

// TestPgDumpHoldsNoPersonalData: a database with imported residents,
// dumped whole with pg_dump, holds none of their names, ID numbers or
// phones, in clear or as the hex of a bytea.
func TestPgDumpHoldsNoPersonalData(t *testing.T) {
	t.Parallel()
	st, svc := newService(t)
	ctx := context.Background()
	names := []string{"王小明", "李秀英", "欧阳建国", "张伟", "陈静"}
	var file strings.Builder
	file.WriteString("name,id_number,phone,address\n")
	var clear []string
	for i, n := range names {
		id := idNumber(t, 100+i)
		phone := fmt.Sprintf("1391234%04d", 5000+i)
		fmt.Fprintf(&file, "%s,%s,%s,3209020010010000001\n", n, id, phone)
		clear = append(clear, n, id, phone)
	}
	res, err := svc.Import(ctx, records.KindResidents, strings.NewReader(file.String()), records.ImportOptions{Caller: admin})
	if err != nil || !res.Written || res.Accepted != len(names) {
		t.Fatalf("import: %+v, %v", res, err)
	}
	url := st.Pool().Config().ConnString()
	out, err := exec.CommandContext(ctx, pgDump(t), "--no-owner", "--dbname", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	dump := string(out)
	if !strings.Contains(dump, "COPY public.resident") {
		t.Fatal("the dump has no resident data")
	}
	for _, v := range clear {
		if strings.Contains(dump, v) || strings.Contains(dump, hex.EncodeToString([]byte(v))) {
			t.Errorf("the dump holds a resident's value in clear (%d characters)", len([]rune(v)))
		}
	}
}
