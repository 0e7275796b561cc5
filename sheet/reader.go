package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Options tune a Reader. The zero value reads CSV (comma separated, the
// charset detected) and XLSX with the default bounds.
type Options struct {
	// Charset of a CSV file: "utf-8" (utf8), "gbk" (gb2312, gb18030,
	// cp936: all read as GB18030, which contains them), or "" to detect
	// (see NewReader). Ignored for XLSX.
	Charset string
	// Comma is the CSV field separator; 0 means ','.
	Comma rune
	// TempDir is where an XLSX file is spooled and unpacked; "" means the
	// system's temporary directory.
	TempDir string
	// MaxRowBytes bounds one CSV row (a quote left open would otherwise
	// read the rest of the file into one cell); 0 means 1 MiB.
	MaxRowBytes int
	// MaxFileBytes bounds an XLSX file; 0 means 256 MiB.
	MaxFileBytes int64
	// MaxUnzipBytes bounds what an XLSX file unpacks to; 0 means 4 GiB.
	MaxUnzipBytes int64
}

func (o Options) maxRow() int {
	if o.MaxRowBytes > 0 {
		return o.MaxRowBytes
	}
	return 1 << 20
}

func (o Options) maxFile() int64 {
	if o.MaxFileBytes > 0 {
		return o.MaxFileBytes
	}
	return 256 << 20
}

func (o Options) maxUnzip() int64 {
	if o.MaxUnzipBytes > 0 {
		return o.MaxUnzipBytes
	}
	return 4 << 30
}

// source is a file format's row stream: next gives the next row's
// number and fields, io.EOF at the end, a *Error for a bad row (the
// stream goes on), or another error when it cannot go on.
type source interface {
	next() (int, []string, error)
	close() error
}

// Reader reads the rows of a table. It is not safe for concurrent use.
type Reader struct {
	src       source
	format    Format
	charset   string
	header    []string
	headerRow int
	keys      map[string]int
	err       error // the error that ended the stream, returned again
}

var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}
)

// NewReader reads the header of the table in r and returns a Reader of
// its rows. The format is told from the content: a ZIP file is read as
// XLSX (its first sheet), anything else as CSV. A CSV file's charset is
// opts.Charset, or else detected: a UTF-8 byte order mark, or a first 64
// KiB that is valid UTF-8, means UTF-8; bytes that are not UTF-8 but
// decode as GBK mean GBK. (Should a file detected as UTF-8 hold bytes
// that are not, later on, their row is an error that says to give
// charset=gbk.)
//
// The header is the first row; its names are compared by Key. A header
// that is empty or names a column twice is an error. The caller must
// Close the Reader.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	br := bufio.NewReaderSize(r, sampleSize)
	head, err := br.Peek(len(magicOLE))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read table: %w", err)
	}
	rd := &Reader{}
	switch {
	case bytes.HasPrefix(head, magicZip):
		rd.format = FormatXLSX
		rd.src, err = openXLSX(br, opts)
	case bytes.HasPrefix(head, magicOLE):
		return nil, errors.New("read table: an Excel 97-2003 (.xls) or password-protected workbook: save it as .xlsx without a password, or as CSV")
	default:
		rd.format = FormatCSV
		rd.src, rd.charset, err = openCSV(br, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := rd.readHeader(); err != nil {
		rd.src.close()
		return nil, err
	}
	return rd, nil
}

func (rd *Reader) readHeader() error {
	num, fields, err := rd.src.next()
	if errors.Is(err, io.EOF) {
		return &Error{Row: 1, Msg: "the file is empty: the first row must name the columns"}
	}
	if err != nil {
		return err
	}
	for len(fields) > 0 && strings.TrimSpace(fields[len(fields)-1]) == "" {
		fields = fields[:len(fields)-1]
	}
	if len(fields) == 0 {
		return &Error{Row: num, Msg: "the header row is empty: the first row must name the columns"}
	}
	rd.headerRow = num
	rd.keys = make(map[string]int, len(fields))
	for i, f := range fields {
		name := strings.TrimSpace(strings.TrimPrefix(f, "\ufeff"))
		rd.header = append(rd.header, name)
		k := Key(name)
		if k == "" {
			continue
		}
		if j, dup := rd.keys[k]; dup {
			return &Error{Row: num, Column: name, Msg: fmt.Sprintf("is the name of columns %s and %s: give each column its own name", Letter(j), Letter(i))}
		}
		rd.keys[k] = i
	}
	return nil
}

// Format is the format of the file.
func (rd *Reader) Format() Format { return rd.format }

// Charset is the charset a CSV file is read in ("utf-8" or "gbk"); "" for
// XLSX.
func (rd *Reader) Charset() string { return rd.charset }

// Header is the header's names as written (trimmed), in column order.
func (rd *Reader) Header() []string { return rd.header }

// HeaderRow is the spreadsheet row of the header: 1, unless a CSV file
// starts with empty lines.
func (rd *Reader) HeaderRow() int { return rd.headerRow }

// Column finds the first of names (compared by Key) in the header.
func (rd *Reader) Column(names ...string) (Column, bool) {
	for _, n := range names {
		if i, ok := rd.keys[Key(n)]; ok {
			return Column{Index: i, Name: rd.header[i]}, true
		}
	}
	return Column{Index: -1}, false
}

// Require finds a column that must be there, by its name or other names
// it may go by; the error names the column and the header's columns.
func (rd *Reader) Require(name string, aliases ...string) (Column, error) {
	if c, ok := rd.Column(append([]string{name}, aliases...)...); ok {
		return c, nil
	}
	also := ""
	if len(aliases) > 0 {
		also = " (or " + strings.Join(aliases, ", ") + ")"
	}
	var named []string
	for _, h := range rd.header {
		if h != "" {
			named = append(named, h)
		}
	}
	return Column{Index: -1}, &Error{Row: rd.headerRow, Column: name, Msg: fmt.Sprintf(
		"is missing: the header row needs a column named %s%s; it has %s", name, also, strings.Join(named, ", "))}
}

// Next returns the next row with data; rows that are empty (every cell
// blank) are passed over, but counted. At the end it returns io.EOF.
//
// A bad row comes back as a *Error (the row number, the column, what to
// fix), and the next call goes on with the next row: a row with values
// right of the last named column (in CSV, more fields than the header has;
// blank extra fields are dropped), or text not in the file's charset. Any
// other error means the table cannot be read further, and every later call
// returns it again.
func (rd *Reader) Next() (Row, error) {
	if rd.err != nil {
		return Row{}, rd.err
	}
	for {
		num, fields, err := rd.src.next()
		if err != nil {
			var re *Error
			if errors.As(err, &re) {
				if re.index > 0 && re.index <= len(rd.header) {
					re.Column = rd.header[re.index-1]
				}
				return Row{}, re
			}
			rd.err = err
			return Row{}, err
		}
		if blank(fields) {
			continue
		}
		if len(fields) > len(rd.header) {
			extra := fields[len(rd.header):]
			if !blank(extra) {
				return Row{}, rd.extraError(num, fields)
			}
			fields = fields[:len(rd.header)]
		}
		return Row{Number: num, fields: fields}, nil
	}
}

func (rd *Reader) extraError(num int, fields []string) *Error {
	last := Letter(len(rd.header) - 1)
	i := len(rd.header)
	for strings.TrimSpace(fields[i]) == "" {
		i++
	}
	if rd.format == FormatXLSX {
		return &Error{Row: num, Letter: Letter(i), Msg: fmt.Sprintf(
			"holds a value right of the last named column (%s): name the column in the header row, or clear the cell", last)}
	}
	return &Error{Row: num, Letter: Letter(i), Msg: fmt.Sprintf(
		"the row has %d fields, more than the %d columns the header names: a value holding a comma must be in double quotes (\"…\"), or the column needs a name in the header",
		len(fields), len(rd.header))}
}

// Close releases the reader's temporary files. It does not close the
// io.Reader given to NewReader.
func (rd *Reader) Close() error { return rd.src.close() }
