// Package sheet reads the tables offices keep — CSV saved by any
// spreadsheet or older system, and Excel workbooks — row by row, for
// imports (records now, geocoding later). It gives each row its
// spreadsheet row number (the header is row 1, as the user sees it in
// Excel or WPS) and finds columns by their header name, so an import's
// errors can say "row 7, column lat (C): …" and the user can go there.
//
// CSV comes in UTF-8 (with or without a byte order mark) or GBK (as
// Chinese Windows saves it), given or detected. XLSX is read from its
// first sheet.
//
// It must never hold a whole file in memory: CSV is streamed, a row longer
// than a bound is an error, and an XLSX goes through a temporary file and
// excelize's row iterator. It must never log or print cell values: they
// may hold personal data, and errors name rows and columns, not contents.
package sheet

import (
	"fmt"
	"strings"

	"golang.org/x/text/width"
)

// Format is the kind of file read.
type Format string

// The formats.
const (
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
)

// Error is a problem of one row (or of the header), named so that a user
// can find and fix it: the spreadsheet row, the column's header name and
// letter when it is about one cell, and what is wrong and what to do.
type Error struct {
	Row    int    // spreadsheet row number, from 1 (the header)
	Column string // the column's name in the header, when it has one
	Letter string // the column's letter (A, B, …, AA), when about a cell
	Msg    string

	index int // the column's index + 1, for the reader to fill in Column; 0: none
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "row %d", e.Row)
	switch {
	case e.Column != "" && e.Letter != "":
		fmt.Fprintf(&b, ", column %s (%s)", e.Column, e.Letter)
	case e.Column != "":
		fmt.Fprintf(&b, ", column %s", e.Column)
	case e.Letter != "":
		fmt.Fprintf(&b, ", column %s", e.Letter)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Column is a column found by its header name.
type Column struct {
	Index int    // from 0
	Name  string // as written in the header (trimmed)
}

// Letter is the column's spreadsheet letter: A for the first, Z, AA, AB….
func (c Column) Letter() string { return Letter(c.Index) }

// Letter is the spreadsheet letter of the column at index i (from 0).
func Letter(i int) string {
	var b []byte
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

// Key is the form header names are compared in: trimmed, full-width
// characters folded to their usual width (ｌａｔ → lat), lower case.
func Key(name string) string {
	return strings.ToLower(strings.TrimSpace(width.Fold.String(strings.TrimPrefix(name, "\ufeff"))))
}

// Row is one row of data.
type Row struct {
	Number int // spreadsheet row number
	fields []string
}

// Value is the cell of the row in column c, trimmed; "" when the row is
// shorter.
func (r Row) Value(c Column) string {
	if c.Index < 0 || c.Index >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[c.Index])
}

// Len is the number of fields of the row (never more than the header's).
func (r Row) Len() int { return len(r.fields) }

// Errorf makes the error of the row's cell in column c.
func (r Row) Errorf(c Column, format string, args ...any) *Error {
	return &Error{Row: r.Number, Column: c.Name, Letter: c.Letter(), Msg: fmt.Sprintf(format, args...)}
}

// blank says whether every field is empty or white space.
func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
