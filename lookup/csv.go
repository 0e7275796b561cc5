package lookup

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unsafe"
)

// maxLine is the longest CSV line accepted; longer lines become a row error.
const maxLine = 64 << 10

// csvDecoder reads "id,lon,lat" (or "lon,lat", the id then being the line
// number) lines. A first line whose coordinates are not numbers is taken as
// a header. It does not allocate per row: ids live in the arena of the
// chunk they are read into.
type csvDecoder struct {
	r     *bufio.Reader
	line  int
	arena []byte
}

func newCSVDecoder(r io.Reader) *csvDecoder {
	return &csvDecoder{r: bufio.NewReaderSize(r, maxLine)}
}

// next implements decoder: ids live in arena.
func (d *csvDecoder) next(rows []Row, arena []byte) (int, []byte, error) {
	d.arena = arena[:0]
	n, err := d.fill(rows)
	return n, d.arena, err
}

// fill fills rows and returns how many it read; io.EOF once the input is
// exhausted (possibly with n > 0).
func (d *csvDecoder) fill(rows []Row) (int, error) {
	n := 0
	for n < len(rows) {
		line, err := d.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			d.line++
			for errors.Is(err, bufio.ErrBufferFull) { // skip the rest of it
				_, err = d.r.ReadSlice('\n')
			}
			rows[n] = Row{ID: strconv.Itoa(d.line), Err: fmt.Sprintf("line %d is longer than %d bytes", d.line, maxLine)}
			n++
			if err == io.EOF {
				return n, io.EOF
			}
			continue
		}
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				return n, io.EOF
			}
			return n, fmt.Errorf("read csv line %d: %w", d.line+1, err)
		}
		d.line++
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			if err == io.EOF {
				return n, io.EOF
			}
			continue
		}
		if d.parse(line, &rows[n]) {
			n++
		}
		if err == io.EOF {
			return n, io.EOF
		}
	}
	return n, nil
}

// parse reads one line into row; it returns false for a header line.
func (d *csvDecoder) parse(line []byte, row *Row) bool {
	var f [][]byte
	if bytes.IndexByte(line, '"') >= 0 {
		// Quoted fields: rare, so the standard reader handles them.
		rec, err := csv.NewReader(bytes.NewReader(line)).Read()
		if err != nil {
			*row = Row{ID: d.lineID(), Err: fmt.Sprintf("line %d: %v", d.line, err)}
			return true
		}
		for _, s := range rec {
			f = append(f, []byte(s))
		}
	} else {
		var buf [3][]byte
		f = buf[:0]
		for len(f) < 3 {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				break
			}
			f = append(f, line[:i])
			line = line[i+1:]
		}
		f = append(f, line)
	}
	var id, lonB, latB []byte
	switch len(f) {
	case 3:
		id, lonB, latB = f[0], f[1], f[2]
	case 2:
		lonB, latB = f[0], f[1]
	default:
		*row = Row{ID: d.lineID(), Err: fmt.Sprintf("line %d has %d fields; want id,lon,lat", d.line, len(f))}
		if len(f) > 3 {
			row.Err = fmt.Sprintf("line %d has more than 3 fields; want id,lon,lat", d.line)
		}
		return true
	}
	lon, errLon := parseFloat(bytes.TrimSpace(lonB))
	lat, errLat := parseFloat(bytes.TrimSpace(latB))
	if d.line == 1 && errLon != nil && errLat != nil {
		return false // header
	}
	if id == nil {
		row.ID = d.lineID()
	} else {
		row.ID = d.intern(unquote(bytes.TrimSpace(id)))
	}
	row.Pt = [2]float64{lon, lat}
	row.Err = ""
	switch {
	case errLon != nil:
		row.Err = fmt.Sprintf("line %d: lon %q is not a number", d.line, lonB)
	case errLat != nil:
		row.Err = fmt.Sprintf("line %d: lat %q is not a number", d.line, latB)
	default:
		if msg := checkPoint(lon, lat); msg != "" {
			row.Err = fmt.Sprintf("line %d: %s", d.line, msg)
		}
	}
	return true
}

func (d *csvDecoder) lineID() string { return strconv.Itoa(d.line) }

// intern copies b into the chunk's arena and returns a string over it. The
// string is valid until the next chunk, which is as long as a row lives.
func (d *csvDecoder) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		// A fresh arena; strings already handed out keep the old one alive.
		// It grows, so a reused chunk arena soon holds a whole chunk.
		d.arena = make([]byte, 0, max(64<<10, 2*cap(d.arena), 2*len(b)))
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	s := d.arena[start:len(d.arena):len(d.arena)]
	return unsafe.String(&s[0], len(s))
}

func unquote(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// parseFloat parses b without copying it into a new string.
//
// Plain decimals such as "120.1234567" (the usual coordinate) take a fast
// path: when the digits make an integer m < 2⁵³ and there are k ≤ 22 of
// them after the point, m and 10^k are exact float64 values and m / 10^k
// is one correctly rounded division — the same float strconv.ParseFloat
// returns (Clinger's fast path). Anything else goes to strconv.
func parseFloat(b []byte) (float64, error) {
	if len(b) == 0 {
		return 0, strconv.ErrSyntax
	}
	if f, ok := parseDecimalFast(b); ok {
		return f, nil
	}
	return strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
}

// pow10 holds the exact powers 10^0 … 10^22.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimalFast parses [-]digits[.digits] exactly when it can (see
// parseFloat); ok is false for every other input.
func parseDecimalFast(b []byte) (float64, bool) {
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
	}
	var m uint64
	digits, frac := 0, -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits == 18 {
				return 0, false // m could pass 2^53 (and 10^19 overflows)
			}
			m = m*10 + uint64(c-'0')
			if m != 0 || frac >= 0 {
				digits++
			}
		case c == '.' && frac < 0 && i > 0:
			frac = i
		default:
			return 0, false
		}
	}
	k := 0
	if frac >= 0 {
		k = len(b) - frac - 1
		if k == 0 {
			return 0, false // "1." is for strconv
		}
	}
	if len(b) == 0 || m >= 1<<53 || k > 22 {
		return 0, false
	}
	f := float64(m) / pow10[k]
	if neg {
		f = -f
	}
	return f, true
}

// csvEncoder writes "id,grid,subgrid,kind,area,error" lines.
type csvEncoder struct {
	w   *bufio.Writer
	buf []byte
}

// CSVHeader is the first line of a CSV batch answer.
const CSVHeader = "id,grid,subgrid,kind,area,error\n"

func newCSVEncoder(w io.Writer) *csvEncoder {
	e := &csvEncoder{w: bufio.NewWriterSize(w, 256<<10)}
	e.w.WriteString(CSVHeader)
	return e
}

func (e *csvEncoder) write(rows []Row, res []Result) error {
	b := e.buf[:0]
	for i := range rows {
		b = appendCSVField(b, rows[i].ID)
		b = append(b, ',')
		if rows[i].Err == "" {
			r := &res[i]
			b = append(b, r.Grid...)
			b = append(b, ',')
			b = append(b, r.SubGrid...)
			b = append(b, ',')
			b = append(b, r.Kind...)
			b = append(b, ',')
			b = append(b, r.Area...)
			b = append(b, ',')
		} else {
			b = append(b, ",,,,"...)
			b = appendCSVField(b, rows[i].Err)
		}
		b = append(b, '\n')
	}
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

func (e *csvEncoder) close() error { return e.w.Flush() }

// appendCSVField appends s, quoted when it needs to be.
func appendCSVField(b []byte, s string) []byte {
	needs := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			needs = true
			break
		}
	}
	if !needs {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
