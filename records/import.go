package records

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"gridmap/geo"
	"gridmap/sheet"
	"gridmap/store"
)

// Kind is what an import or export holds.
type Kind string

// The kinds of records.
const (
	KindAddresses Kind = "addresses"
	KindHouses    Kind = "houses"
	KindResidents Kind = "residents"
	KindUnits     Kind = "units"
)

// Kinds lists the kinds in the order an office imports them (addresses
// first: the others are at an address).
var Kinds = []Kind{KindAddresses, KindHouses, KindResidents, KindUnits}

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", refuse(KindInvalid, "kind %q: want addresses, houses, residents or units", s)
}

// ImportOptions tune an import.
type ImportOptions struct {
	Caller Caller
	// Partial writes the good rows and reports the bad ones; without it
	// any bad row means nothing is written.
	Partial bool
	// Charset of a CSV file ("utf-8", "gbk"; "" detects).
	Charset string
	// Progress, when set, is called with the number of rows read, every
	// 10 000 rows and at the end.
	Progress func(rows int)
}

// RowError is one problem of an imported file: the spreadsheet row (the
// header is row 1), the column's name and letter, and what to fix. It
// never holds a cell's value.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Letter string `json:"letter,omitempty"`
	Detail string `json:"detail"`
}

func (e RowError) String() string {
	return (&sheet.Error{Row: e.Row, Column: e.Column, Letter: e.Letter, Msg: e.Detail}).Error()
}

// MaxRowErrors bounds the errors an import lists (Rejected counts all).
const MaxRowErrors = 1000

// ImportResult is what an import did: rows read, accepted (written, or
// that would have been), rejected, the errors, and whether anything was
// written (the dataset version it made, when it changed the counts).
type ImportResult struct {
	Kind      Kind       `json:"kind"`
	Rows      int        `json:"rows"`
	Accepted  int        `json:"accepted"`
	Rejected  int        `json:"rejected"`
	Written   bool       `json:"written"`
	Version   int64      `json:"dataset_version,omitempty"`
	Errors    []RowError `json:"errors"`
	Truncated bool       `json:"errors_truncated,omitempty"`
}

// importChunk is how many good rows are checked against the database and
// written at once.
const importChunk = 100_000

// kindImport is one kind's part of an import: find its columns, check a
// row (rejecting it, or keeping it for the next flush), and flush the kept
// rows: check them against the database and write the good ones.
type kindImport interface {
	columns(rd *sheet.Reader) []*sheet.Error
	add(row sheet.Row)
	pending() int
	flush(ctx context.Context) error
}

// importer is the state of one import.
type importer struct {
	s       *Service
	tx      pgx.Tx
	opts    ImportOptions
	res     *ImportResult
	now     time.Time
	ix      *geo.Index
	snap    *geo.Snapshot
	lastBad int // the row of the last rejection, so a row counts once
}

// Import reads a table of records of kind from r (CSV or XLSX) and writes
// them in one transaction: all of them, or with Partial the good ones.
// Rows are checked in Go (and against the live index for points) and
// against the database in chunks, then copied in with COPY. The returned
// result lists each bad row's problems; a result with errors and without
// Partial wrote nothing. The error is for what stopped the import: a
// refusal (*Error) or a failure.
func (s *Service) Import(ctx context.Context, kind Kind, r io.Reader, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{Kind: kind, Errors: []RowError{}}
	if !opts.Caller.atLeast(RoleImport) {
		return res, refuse(KindForbidden, "importing records needs role %s or higher; %s has role %s", RoleImport, opts.Caller.ID, opts.Caller.Role)
	}
	ix := s.index()
	if ix == nil {
		return res, errors.New("records import: no lookup index loaded")
	}
	rd, err := sheet.NewReader(r, sheet.Options{Charset: opts.Charset})
	if err != nil {
		var se *sheet.Error
		if errors.As(err, &se) {
			res.Errors = append(res.Errors, fromSheet(se))
			res.Rejected = 1
			return res, nil
		}
		return res, &Error{Kind: KindRejected, Msg: err.Error(), Err: err}
	}
	defer rd.Close()

	tx, err := s.st.Pool().Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("records import: %w", err)
	}
	defer tx.Rollback(ctx)
	var k kindImport
	// A chunk may still be in flight on the transaction when an error
	// ends the import: wait for it before the rollback above.
	defer func() {
		if w, ok := k.(interface{ wait() error }); ok {
			w.wait()
		}
	}()
	im := &importer{s: s, tx: tx, opts: opts, res: &res, ix: ix, snap: ix.Snapshot()}
	if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&im.now); err != nil {
		return res, fmt.Errorf("records import: %w", err)
	}
	switch kind {
	case KindAddresses:
		k = &addressImport{im: im, gaz: gazetteerOf(im.snap), seen: map[string]int{}}
	case KindHouses:
		k = &houseImport{im: im}
	case KindResidents:
		k = &residentImport{im: im, seen: map[string]int{}}
	case KindUnits:
		k = &unitImport{im: im}
	default:
		return res, refuse(KindInvalid, "kind %q: want addresses, houses, residents or units", kind)
	}
	if errs := k.columns(rd); len(errs) > 0 {
		for _, e := range errs {
			res.Errors = append(res.Errors, fromSheet(e))
		}
		res.Rejected = 1
		return res, nil
	}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var se *sheet.Error
		if errors.As(err, &se) {
			res.Rows++
			im.reject(fromSheet(se))
			continue
		}
		if err != nil {
			return res, &Error{Kind: KindRejected, Msg: err.Error(), Err: err}
		}
		res.Rows++
		if opts.Progress != nil && res.Rows%10_000 == 0 {
			opts.Progress(res.Rows)
		}
		k.add(row)
		if k.pending() >= importChunk {
			if err := k.flush(ctx); err != nil {
				return res, err
			}
		}
	}
	if err := k.flush(ctx); err != nil {
		return res, err
	}
	if w, ok := k.(interface{ wait() error }); ok {
		if err := w.wait(); err != nil {
			return res, err
		}
	}
	if opts.Progress != nil {
		opts.Progress(res.Rows)
	}
	if res.Rejected > 0 && !opts.Partial {
		return res, nil
	}
	if res.Accepted > 0 {
		if err := s.st.Audit(ctx, tx, store.AuditEntry{Actor: opts.Caller.ID, Action: "records.import", Target: string(kind),
			After: map[string]int{"rows": res.Rows, "accepted": res.Accepted, "rejected": res.Rejected}}); err != nil {
			return res, err
		}
		if kind == KindAddresses || kind == KindUnits {
			note := fmt.Sprintf("records import: %d %s", res.Accepted, kind)
			if err := tx.QueryRow(ctx, `SELECT bump_dataset_version($1)`, note).Scan(&res.Version); err != nil {
				return res, fmt.Errorf("records import: bump dataset version: %w", err)
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("records import: commit: %w", err)
	}
	res.Written = true
	return res, nil
}

func fromSheet(e *sheet.Error) RowError {
	return RowError{Row: e.Row, Column: e.Column, Letter: e.Letter, Detail: e.Msg}
}

// reject records a problem of a row.
func (im *importer) reject(e RowError) {
	if e.Row != im.lastBad || e.Row == 0 {
		im.res.Rejected++
		im.lastBad = e.Row
	}
	if len(im.res.Errors) < MaxRowErrors {
		im.res.Errors = append(im.res.Errors, e)
	} else {
		im.res.Truncated = true
	}
}

// rejectCell records a problem of a row's cell.
func (im *importer) rejectCell(row sheet.Row, c sheet.Column, format string, args ...any) {
	im.reject(fromSheet(row.Errorf(c, format, args...)))
}

// writing says whether good rows are still written: not once a row was
// rejected in an all-or-nothing import (the rest is only checked).
func (im *importer) writing() bool { return im.opts.Partial || im.res.Rejected == 0 }

// requireColumns finds the required columns (by name and aliases) and the
// optional ones.
func requireColumns(rd *sheet.Reader, req map[*sheet.Column][]string) []*sheet.Error {
	var errs []*sheet.Error
	for dst, names := range req {
		c, err := rd.Require(names[0], names[1:]...)
		if err != nil {
			var se *sheet.Error
			if errors.As(err, &se) {
				errs = append(errs, se)
				continue
			}
		}
		*dst = c
	}
	return errs
}

// nextIDs takes n values of a sequence.
func (im *importer) nextIDs(ctx context.Context, seq string, n int) ([]int64, error) {
	rows, err := im.tx.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, seq, n)
	if err != nil {
		return nil, fmt.Errorf("records import: ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("records import: ids: %w", err)
	}
	return ids, nil
}

// openSince is the assignment validity of a record tied now.
func (im *importer) openSince() pgtype.Range[pgtype.Timestamptz] {
	return pgtype.Range[pgtype.Timestamptz]{
		Lower: pgtype.Timestamptz{Time: im.now, Valid: true}, LowerType: pgtype.Inclusive,
		UpperType: pgtype.Unbounded, Valid: true}
}

// atAddress is a live standard address a house, resident or unit is at.
type atAddress struct {
	ID       int64
	Code     string
	Grid     geo.Code
	Lon, Lat float64
}

// addressKeys are the forms a house, resident or unit file may name an
// address by: its code, or its full text as exported (with or without
// the city's name in front).
func (im *importer) addressKeys(v string) []string {
	t := normalizeAddress(v)
	if t == "" {
		return nil
	}
	keys := []string{t}
	if city := cityName(im.snap); city != "" && !strings.HasPrefix(t, city) {
		keys = append(keys, city+t)
	}
	return keys
}

// resolveAddresses finds the live addresses named by keys (codes or full
// texts).
func (im *importer) resolveAddresses(ctx context.Context, keys []string) (map[string]atAddress, error) {
	out := make(map[string]atAddress, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := im.tx.Query(ctx, `
		SELECT a.id, a.code, a.full_text, a.grid_code, ST_X(a.geom), ST_Y(a.geom)
		FROM standard_address a
		WHERE a.retired_at IS NULL AND (a.full_text = ANY($1) OR a.code = ANY($1))`, keys)
	if err != nil {
		return nil, fmt.Errorf("records import: find addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a atAddress
		var text string
		if err := rows.Scan(&a.ID, &a.Code, &text, &a.Grid, &a.Lon, &a.Lat); err != nil {
			return nil, fmt.Errorf("records import: find addresses: %w", err)
		}
		out[text], out[a.Code] = a, a
	}
	return out, rows.Err()
}

// findAddress is the address a row names, or a rejection.
func (im *importer) findAddress(row sheet.Row, c sheet.Column, found map[string]atAddress) (atAddress, bool) {
	for _, k := range im.addressKeys(row.Value(c)) {
		if a, ok := found[k]; ok {
			if !im.opts.Caller.Covers(a.Grid) {
				im.rejectCell(row, c, "the address lies in grid %s, outside the area %s of %s: import it with a token of its county",
					a.Grid, im.opts.Caller.Area.Short(), im.opts.Caller.ID)
				return atAddress{}, false
			}
			return a, true
		}
	}
	im.rejectCell(row, c, "is no standard address: write an existing address as gridd export addresses gives it (its full text or its 19-digit code), or import the address first (kind=addresses)")
	return atAddress{}, false
}

// cityName is the name of the snapshot's city.
func cityName(snap *geo.Snapshot) string {
	for i := range snap.Areas {
		if snap.Areas[i].Level == geo.LevelCity {
			return snap.Areas[i].Name
		}
	}
	return ""
}
