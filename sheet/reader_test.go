package sheet_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"gridmap/sheet"
)

// got is what a test reads from a table: each row's number and values by
// the header's names, and each row error's text.
type got struct {
	rows []string // "row N: v1|v2|…"
	errs []string
}

func readAll(t *testing.T, r io.Reader, opts sheet.Options) (*sheet.Reader, got) {
	t.Helper()
	rd, err := sheet.NewReader(r, opts)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	t.Cleanup(func() { rd.Close() })
	var g got
	cols := make([]sheet.Column, len(rd.Header()))
	for i, h := range rd.Header() {
		cols[i], _ = rd.Column(h)
	}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rd, g
		}
		var re *sheet.Error
		if errors.As(err, &re) {
			g.errs = append(g.errs, re.Error())
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		var vals []string
		for _, c := range cols {
			vals = append(vals, row.Value(c))
		}
		g.rows = append(g.rows, fmt.Sprintf("row %d: %s", row.Number, strings.Join(vals, "|")))
	}
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A table as offices write it: a header with odd spacing and full-width
// letters, a quoted cell over two lines, an empty line, a row of empty
// cells, a trailing comma, a value with a comma that was not quoted.
const officeCSV = "姓名, Address ,ＬＯＮ,lat\r\n" +
	"王小明,\"盐城市亭湖区解放南路12号\r\n(北门)\",120.15,33.38\r\n" +
	"\r\n" +
	"李四,五星街道新园路8号,120.16,33.39\r\n" +
	",,,\r\n" +
	"张三,文峰街道人民路1号,120.17,33.40,\r\n" +
	"赵五,盐城市亭湖区解放南路12号,3幢,120.18,33.41\r\n" +
	"钱六,黄尖镇新街村3组15号,120.19,33.42\r\n"

var officeRows = got{
	rows: []string{
		"row 2: 王小明|盐城市亭湖区解放南路12号\n(北门)|120.15|33.38",
		"row 4: 李四|五星街道新园路8号|120.16|33.39",
		"row 6: 张三|文峰街道人民路1号|120.17|33.40",
		"row 8: 钱六|黄尖镇新街村3组15号|120.19|33.42",
	},
	errs: []string{`row 7, column E: the row has 5 fields, more than the 4 columns the header names: a value holding a comma must be in double quotes ("…"), or the column needs a name in the header`},
}

func TestReadCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    []byte
		opts    sheet.Options
		charset string
	}{
		{"UTF-8", []byte(officeCSV), sheet.Options{}, "utf-8"},
		{"UTF-8 with BOM", append([]byte("\ufeff"), officeCSV...), sheet.Options{}, "utf-8"},
		{"UTF-8 with BOM, charset given", append([]byte("\ufeff"), officeCSV...), sheet.Options{Charset: "UTF-8"}, "utf-8"},
		{"GBK detected", gbk(t, officeCSV), sheet.Options{}, "gbk"},
		{"GBK given", gbk(t, officeCSV), sheet.Options{Charset: "gbk"}, "gbk"},
		{"GB18030 given", gbk(t, officeCSV), sheet.Options{Charset: "GB18030"}, "gbk"},
		{"LF line ends", []byte(strings.ReplaceAll(officeCSV, "\r\n", "\n")), sheet.Options{}, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rd, g := readAll(t, bytes.NewReader(tt.data), tt.opts)
			if rd.Format() != sheet.FormatCSV || rd.Charset() != tt.charset {
				t.Errorf("read as %s %s, want csv %s", rd.Format(), rd.Charset(), tt.charset)
			}
			if h := strings.Join(rd.Header(), "|"); h != "姓名|Address|ＬＯＮ|lat" || rd.HeaderRow() != 1 {
				t.Errorf("header %q at row %d", h, rd.HeaderRow())
			}
			for _, name := range []string{"address", "ADDRESS", " Address ", "lon", "Lon", "ｌｏｎ", "姓名"} {
				if _, ok := rd.Column(name); !ok {
					t.Errorf("column %q not found", name)
				}
			}
			want := officeRows
			if strings.Contains(tt.name, "LF") {
				want.rows = slicesReplace(want.rows, "\r\n", "\n")
			}
			if strings.Join(g.rows, "\n") != strings.Join(want.rows, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(g.rows, "\n"), strings.Join(want.rows, "\n"))
			}
			if strings.Join(g.errs, "\n") != strings.Join(want.errs, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(g.errs, "\n"), strings.Join(want.errs, "\n"))
			}
		})
	}
}

func slicesReplace(s []string, old, new string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ReplaceAll(v, old, new)
	}
	return out
}

// TestCSVCharsetErrors: bytes not in the file's charset make an error of
// their row (which says what to do); the rows around are read.
func TestCSVCharsetErrors(t *testing.T) {
	t.Parallel()
	// 70 KiB of ASCII rows, then one row saved in GBK: detection (on the
	// first 64 KiB) says UTF-8.
	var late bytes.Buffer
	late.WriteString("name,address\n")
	n := 1
	for late.Len() < 70<<10 {
		n++
		fmt.Fprintf(&late, "x%d,road %d\n", n, n)
	}
	late.Write(gbk(t, "王小明,解放南路12号\n"))
	late.WriteString("y,last\n")

	tests := []struct {
		name     string
		data     []byte
		opts     sheet.Options
		wantErrs string
		wantRows int
	}{
		{"GBK row in a file read as UTF-8", late.Bytes(), sheet.Options{},
			fmt.Sprintf(`row %d, column name (A): holds bytes that are not UTF-8: the file is in another charset; give charset=gbk, or save it as "CSV UTF-8"`, n+1), n},
		{"GBK file read as UTF-8 when told", append([]byte("name,address\nok,fine\n"), gbk(t, "王小明,解放南路12号\n")...), sheet.Options{Charset: "utf-8"},
			`row 3, column name (A): holds bytes that are not UTF-8: the file is in another charset; give charset=gbk, or save it as "CSV UTF-8"`, 1},
		{"bytes that are not GBK", append(gbk(t, "姓名,地址\n王小明,解放南路\n"), []byte("bad,\xff\xff\n")...), sheet.Options{Charset: "gbk"},
			`row 3, column 地址 (B): holds bytes that are not GBK: the file is in another charset; save it as "CSV UTF-8"`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, g := readAll(t, bytes.NewReader(tt.data), tt.opts)
			if e := strings.Join(g.errs, "\n"); e != tt.wantErrs {
				t.Errorf("errors:\n%s\nwant:\n%s", e, tt.wantErrs)
			}
			if len(g.rows) != tt.wantRows {
				t.Errorf("%d rows read, want %d", len(g.rows), tt.wantRows)
			}
		})
	}
}

func TestNewReaderRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		opts sheet.Options
		want string
	}{
		{"empty", nil, sheet.Options{}, "row 1: the file is empty"},
		{"only empty lines", []byte("\n\r\n\n"), sheet.Options{}, "row 1: the file is empty"},
		{"empty header", []byte(",,,\na,b,c\n"), sheet.Options{}, "row 1: the header row is empty"},
		{"a name twice", []byte("name,lon,LON\n"), sheet.Options{}, "row 1, column LON: is the name of columns B and C"},
		{"a name twice in full width", []byte("name,lat,ｌａｔ\n"), sheet.Options{}, "is the name of columns B and C"},
		{"UTF-16", []byte("\xff\xfen\x00a\x00"), sheet.Options{}, "UTF-16"},
		{"xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), sheet.Options{}, "Excel 97-2003"},
		{"neither UTF-8 nor GBK", []byte("name\n\xff\xff\xff\n"), sheet.Options{}, "neither UTF-8 nor GBK"},
		{"unknown charset", []byte("name\n"), sheet.Options{Charset: "big5"}, `charset "big5": want utf-8 or gbk`},
		{"gbk given to a UTF-8 file with BOM", []byte("\ufeffname\n"), sheet.Options{Charset: "gbk"}, "byte order mark"},
		{"a zip that is no workbook", []byte("PK\x03\x04garbage"), sheet.Options{}, "not a readable .xlsx file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rd, err := sheet.NewReader(bytes.NewReader(tt.data), tt.opts)
			if err == nil {
				rd.Close()
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want %q", err, tt.want)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	t.Parallel()
	rd, err := sheet.NewReader(strings.NewReader("姓名,Lon,lat,\n"), sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if c, err := rd.Require("name", "姓名"); err != nil || c.Index != 0 || c.Letter() != "A" || c.Name != "姓名" {
		t.Errorf("Require(name, 姓名) = %+v, %v", c, err)
	}
	_, err = rd.Require("address", "地址")
	if want := "row 1, column address: is missing: the header row needs a column named address (or 地址); it has 姓名, Lon, lat"; err == nil || err.Error() != want {
		t.Errorf("Require(address): %v, want %s", err, want)
	}
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := sheet.Letter(i); got != want {
			t.Errorf("Letter(%d) = %s, want %s", i, got, want)
		}
	}
}

// endless is an endless stream of the byte b after a prefix, counting
// what was read.
type endless struct {
	prefix []byte
	b      byte
	read   int
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.prefix)
	e.prefix = e.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = e.b
	}
	e.read += len(p)
	return len(p), nil
}

// TestUnclosedQuote: a quote left open does not read the rest of the
// file into memory: the row ends the reading with an error naming it, and
// the reader stays failed.
func TestUnclosedQuote(t *testing.T) {
	t.Parallel()
	src := &endless{prefix: []byte("name,address\na,b\nc,\"d"), b: 'x'}
	rd, err := sheet.NewReader(src, sheet.Options{MaxRowBytes: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if row, err := rd.Next(); err != nil || row.Number != 2 {
		t.Fatalf("row 2: %+v, %v", row, err)
	}
	_, err = rd.Next()
	var re *sheet.Error
	if err == nil || errors.As(err, &re) || !strings.Contains(err.Error(), "row 3") || !strings.Contains(err.Error(), "quote") {
		t.Fatalf("want an error ending the reading at row 3 about a quote, got %v", err)
	}
	if _, again := rd.Next(); again == nil || again.Error() != err.Error() {
		t.Fatalf("after the error: %v, want it again", again)
	}
	if src.read > 1<<20 {
		t.Fatalf("read %d bytes for a row bounded by 256 KiB", src.read)
	}
}

// TestCSVStreams reads a large CSV made on the fly and checks that the
// heap stays small: rows are streamed, not collected. (Not parallel: it
// measures the heap.)
func TestCSVStreams(t *testing.T) {
	const rows = 200_000
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprintln(pw, "name,address,lon,lat")
		for i := range rows {
			fmt.Fprintf(pw, "王%d,盐城市亭湖区五星街道解放南路%d号,120.%06d,33.%06d\n", i, i, i, i)
		}
		pw.Close()
	}()
	rd, err := sheet.NewReader(pr, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, uint64(0)
	n := 0
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row.Number != n+1 {
			t.Fatalf("row %d numbered %d", n+1, row.Number)
		}
		if n%20_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if n != rows {
		t.Fatalf("%d rows, want %d", n, rows)
	}
	// The file is about 14 MB; streaming keeps the heap to a few buffers
	// and the garbage of the last rows.
	if grow := int64(peak) - int64(base); grow > 8<<20 {
		t.Errorf("the heap grew by %d MB reading a 14 MB file", grow>>20)
	}
}

// FuzzCSV: any bytes, in any charset setting, read without panic; rows
// come in increasing row order below the header, never with more fields
// than the header; a row's error is a *sheet.Error of a row below the
// header.
func FuzzCSV(f *testing.F) {
	f.Add([]byte(officeCSV), uint8(0))
	f.Add(gbk(f, officeCSV), uint8(2))
	f.Add([]byte("a,b\n\"x\ny\",\"\n\n1,2,3\n"), uint8(1))
	f.Add([]byte("\ufeffa\n\n\n1\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, cs uint8) {
		charset := []string{"", "utf-8", "gbk"}[cs%3]
		rd, err := sheet.NewReader(bytes.NewReader(data), sheet.Options{Charset: charset, MaxRowBytes: 4 << 10})
		if err != nil {
			return
		}
		defer rd.Close()
		last := rd.HeaderRow()
		if last < 1 {
			t.Fatalf("header at row %d", last)
		}
		for range len(data) + 2 {
			row, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *sheet.Error
			if errors.As(err, &re) {
				if re.Row <= last {
					t.Fatalf("error of row %d after row %d: %v", re.Row, last, re)
				}
				last = re.Row
				continue
			}
			if err != nil {
				return // the table cannot be read further
			}
			if row.Number <= last {
				t.Fatalf("row %d after row %d", row.Number, last)
			}
			if row.Len() > len(rd.Header()) {
				t.Fatalf("row %d has %d fields, the header %d", row.Number, row.Len(), len(rd.Header()))
			}
			last = row.Number
		}
		t.Fatalf("more rows than bytes")
	})
}
