package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// sampleSize is how much of a CSV file the charset detection looks at.
const sampleSize = 64 << 10

var (
	bomUTF8    = []byte{0xef, 0xbb, 0xbf}
	bomUTF16LE = []byte{0xff, 0xfe}
	bomUTF16BE = []byte{0xfe, 0xff}
)

// csvSource streams the records of a CSV file and numbers them as a
// spreadsheet shows them: encoding/csv passes over empty lines, which a
// spreadsheet shows as empty rows, and a quoted cell may span lines, which
// a spreadsheet shows in one row.
type csvSource struct {
	cr     *csv.Reader
	budget *budgetReader
	gbk    bool
	row    int // the row number of the last record
	end    int // the file line the last record ended on
}

func openCSV(br *bufio.Reader, opts Options) (*csvSource, string, error) {
	charset, err := csvCharset(br, opts.Charset)
	if err != nil {
		return nil, "", err
	}
	var r io.Reader = br
	if charset == "gbk" {
		r = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	s := &csvSource{budget: &budgetReader{r: r, max: opts.maxRow()}, gbk: charset == "gbk"}
	s.cr = csv.NewReader(s.budget)
	s.cr.FieldsPerRecord = -1 // the reader judges the field count against the header
	s.cr.LazyQuotes = true    // a stray quote is kept, as spreadsheets show it
	if opts.Comma != 0 {
		s.cr.Comma = opts.Comma
	}
	return s, charset, nil
}

// csvCharset picks the charset of the file in br (see NewReader) and
// drops a UTF-8 byte order mark.
func csvCharset(br *bufio.Reader, given string) (string, error) {
	sample, err := br.Peek(sampleSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", fmt.Errorf("read table: %w", err)
	}
	atEOF := err != nil && errors.Is(err, io.EOF)
	if bytes.HasPrefix(sample, bomUTF16LE) || bytes.HasPrefix(sample, bomUTF16BE) {
		return "", errors.New("read table: UTF-16 text (\"Unicode text\"): save it as \"CSV UTF-8\" or as .xlsx")
	}
	bom := bytes.HasPrefix(sample, bomUTF8)
	switch strings.ToLower(strings.TrimSpace(given)) {
	case "utf-8", "utf8":
		if bom {
			br.Discard(len(bomUTF8))
		}
		return "utf-8", nil
	case "gbk", "gb2312", "gb18030", "cp936":
		if bom {
			return "", errors.New("read table: charset gbk was given, but the file starts with a UTF-8 byte order mark: leave out charset, or give utf-8")
		}
		return "gbk", nil
	case "":
	default:
		return "", fmt.Errorf("read table: charset %q: want utf-8 or gbk", given)
	}
	if bom {
		br.Discard(len(bomUTF8))
		return "utf-8", nil
	}
	if !atEOF {
		// Judge whole characters: cut after the last control, space, quote
		// or comma (bytes below 0x30 are never part of a multi-byte
		// character in UTF-8 or GB18030), at best a newline.
		if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
			sample = sample[:i+1]
		} else if i := bytes.LastIndexFunc(sample, func(r rune) bool { return r < 0x30 }); i >= 0 {
			sample = sample[:i+1]
		}
	}
	if utf8.Valid(sample) {
		return "utf-8", nil
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(sample)
	if err == nil && !bytes.ContainsRune(dec, utf8.RuneError) {
		return "gbk", nil
	}
	return "", errors.New("read table: the text is neither UTF-8 nor GBK: save it as \"CSV UTF-8\" or as .xlsx")
}

// errRowTooLong is what the budget reader says when one row reads more
// than its bound.
var errRowTooLong = errors.New("row too long")

// budgetReader fails once more than max bytes are read since the last
// reset (encoding/csv reads ahead at most its 4 KiB buffer, so the bound
// is kept to within that).
type budgetReader struct {
	r         io.Reader
	max, used int
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.used > b.max {
		return 0, errRowTooLong
	}
	n, err := b.r.Read(p)
	b.used += n
	return n, err
}

func (s *csvSource) next() (int, []string, error) {
	s.budget.used = 0
	rec, err := s.cr.Read()
	if err != nil {
		if errors.Is(err, errRowTooLong) {
			return 0, nil, fmt.Errorf("row %d or the next: longer than %d bytes: a quote (\") left open runs to the end of the file; close it, or quote the cell as \"…\"",
				s.row+1, s.budget.max)
		}
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			row := s.row + 1 + max(0, pe.StartLine-s.end-1)
			s.row, s.end = row, pe.Line
			return row, nil, &Error{Row: row, Msg: fmt.Sprintf("cannot be read as CSV (%v)", pe.Err)}
		}
		return 0, nil, fmt.Errorf("read table: %w", err)
	}
	start, _ := s.cr.FieldPos(0)
	last := len(rec) - 1
	lastLine, _ := s.cr.FieldPos(last)
	row := s.row + 1 + max(0, start-s.end-1)
	s.row, s.end = row, lastLine+strings.Count(rec[last], "\n")
	for i, f := range rec {
		switch {
		case !s.gbk && !utf8.ValidString(f):
			return row, nil, &Error{Row: row, Letter: Letter(i), index: i + 1,
				Msg: "holds bytes that are not UTF-8: the file is in another charset; give charset=gbk, or save it as \"CSV UTF-8\""}
		case s.gbk && strings.ContainsRune(f, utf8.RuneError):
			return row, nil, &Error{Row: row, Letter: Letter(i), index: i + 1,
				Msg: "holds bytes that are not GBK: the file is in another charset; save it as \"CSV UTF-8\""}
		}
	}
	return row, rec, nil
}

func (s *csvSource) close() error { return nil }
