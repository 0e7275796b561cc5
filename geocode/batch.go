package geocode

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Format is the format of a batch: CSV rows id,address (a header row
// id,address is skipped), or a JSON array of {"id": …, "address": …}.
// Answers come back in the same format, in input order, with the columns
// id,status,grid_code,address_code,standard,score.
type Format int

// The batch formats.
const (
	CSV Format = iota
	JSON
)

// Invalid is the status of a batch row that could not be read (a CSV row
// without exactly two fields, a JSON element without an address string).
const Invalid Status = "invalid"

// FormatFor picks the format of a Content-Type (text/csv or
// application/json).
func FormatFor(contentType string) (Format, error) {
	ct, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";")
	switch strings.TrimSpace(ct) {
	case "text/csv", "application/csv":
		return CSV, nil
	case "application/json":
		return JSON, nil
	}
	return 0, fmt.Errorf("content type %q: send text/csv (rows id,address) or application/json (an array of {\"id\", \"address\"})", contentType)
}

// ParseFormat names the batch format of a file: csv or json, or when name
// is empty the one path's extension says (.json; csv otherwise).
func ParseFormat(name, path string) (Format, error) {
	switch {
	case name == "json", name == "" && strings.ToLower(filepath.Ext(path)) == ".json":
		return JSON, nil
	case name == "csv", name == "":
		return CSV, nil
	}
	return 0, fmt.Errorf("--format %q: want csv or json", name)
}

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	if f == JSON {
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// BatchStats counts a batch.
type BatchStats struct {
	Rows    int
	Matched int
	Invalid int
}

// row is one query of a batch and its answer.
type row struct {
	id      string          // CSV id
	rawID   json.RawMessage // JSON id, as given
	text    string
	invalid bool
	ans     Answer
}

const chunkRows = 4096

// Batch geocodes every row of r into w with one index (so one version),
// streaming: rows are read, answered by all cores and written a chunk at
// a time, in input order. progress (may be nil) is called after each
// chunk.
func (ix *Index) Batch(ctx context.Context, f Format, r io.Reader, w io.Writer, progress func(BatchStats)) (BatchStats, error) {
	var st BatchStats
	var dec rowDecoder
	if f == JSON {
		dec = newJSONRows(r)
	} else {
		dec = newCSVRows(r)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := rowEncoder(&csvOut{w: bw})
	if f == JSON {
		enc = &jsonOut{w: bw}
	}
	if err := enc.begin(); err != nil {
		return st, err
	}
	chunk := make([]row, 0, chunkRows)
	workers := runtime.GOMAXPROCS(0)
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		chunk = chunk[:0]
		var readErr error
		for len(chunk) < chunkRows {
			var rw row
			ok, err := dec.next(&rw)
			if err != nil {
				readErr = err
				break
			}
			if !ok {
				break
			}
			chunk = append(chunk, rw)
		}
		if len(chunk) > 0 {
			var wg sync.WaitGroup
			per := (len(chunk) + workers - 1) / workers
			for lo := 0; lo < len(chunk); lo += per {
				hi := min(lo+per, len(chunk))
				wg.Add(1)
				go func(part []row) {
					defer wg.Done()
					for i := range part {
						if !part[i].invalid {
							part[i].ans = ix.Geocode(part[i].text)
						}
					}
				}(chunk[lo:hi])
			}
			wg.Wait()
			for i := range chunk {
				st.Rows++
				switch {
				case chunk[i].invalid:
					st.Invalid++
				case chunk[i].ans.Status == Matched:
					st.Matched++
				}
				if err := enc.write(&chunk[i]); err != nil {
					return st, err
				}
			}
			if progress != nil {
				progress(st)
			}
		}
		if readErr != nil {
			return st, readErr
		}
		if len(chunk) < chunkRows {
			break
		}
	}
	if err := enc.end(); err != nil {
		return st, err
	}
	return st, bw.Flush()
}

type rowDecoder interface {
	next(*row) (bool, error)
}

type csvRows struct {
	r     *csv.Reader
	first bool
	line  int
}

func newCSVRows(r io.Reader) *csvRows {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	return &csvRows{r: cr, first: true}
}

func (d *csvRows) next(rw *row) (bool, error) {
	for {
		rec, err := d.r.Read()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("csv: %w", err)
		}
		d.line++
		first := d.first
		d.first = false
		if first && len(rec) == 2 && strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff")), "id") &&
			strings.EqualFold(strings.TrimSpace(rec[1]), "address") {
			continue
		}
		if len(rec) == 0 || len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) != 2 {
			rw.id = strconv.Itoa(d.line)
			if len(rec) > 0 {
				rw.id = rec[0]
			}
			rw.invalid = true
			return true, nil
		}
		rw.id, rw.text = strings.Clone(rec[0]), strings.Clone(rec[1])
		rw.invalid = strings.TrimSpace(rw.text) == ""
		return true, nil
	}
}

type jsonRows struct {
	dec     *json.Decoder
	started bool
}

func newJSONRows(r io.Reader) *jsonRows {
	return &jsonRows{dec: json.NewDecoder(bufio.NewReaderSize(r, 64<<10))}
}

func (d *jsonRows) next(rw *row) (bool, error) {
	if !d.started {
		d.started = true
		t, err := d.dec.Token()
		if err != nil {
			return false, fmt.Errorf("json: want an array of {\"id\", \"address\"}: %w", err)
		}
		if t != json.Delim('[') {
			return false, errors.New("json: want an array of {\"id\", \"address\"}")
		}
	}
	if !d.dec.More() {
		return false, nil
	}
	var el struct {
		ID      json.RawMessage `json:"id"`
		Address *string         `json:"address"`
	}
	if err := d.dec.Decode(&el); err != nil {
		return false, fmt.Errorf("json: element: %w", err)
	}
	rw.rawID = el.ID
	if len(rw.rawID) == 0 {
		rw.rawID = json.RawMessage("null")
	}
	if el.Address == nil || strings.TrimSpace(*el.Address) == "" {
		rw.invalid = true
		return true, nil
	}
	rw.text = *el.Address
	return true, nil
}

type rowEncoder interface {
	begin() error
	write(*row) error
	end() error
}

// BatchColumns are the columns of a batch answer.
var BatchColumns = []string{"id", "status", "grid_code", "address_code", "standard", "score"}

type csvOut struct {
	w   *bufio.Writer
	buf []byte
}

func (e *csvOut) begin() error {
	_, err := e.w.WriteString(strings.Join(BatchColumns, ",") + "\n")
	return err
}

func (e *csvOut) write(rw *row) error {
	b := appendCSV(e.buf[:0], rw.id)
	status, grid, code, std, score := rowAnswer(rw)
	b = append(b, ',')
	b = append(b, status...)
	b = append(b, ',')
	b = append(b, grid...)
	b = append(b, ',')
	b = append(b, code...)
	b = append(b, ',')
	b = appendCSV(b, std)
	b = append(b, ',')
	b = append(b, score...)
	b = append(b, '\n')
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

func (e *csvOut) end() error { return nil }

func appendCSV(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

// rowAnswer is a row's status, grid code, address code, standard text and
// score ("" when absent).
func rowAnswer(rw *row) (status, grid, code, std, score string) {
	if rw.invalid {
		return string(Invalid), "", "", "", ""
	}
	a := &rw.ans
	status = string(a.Status)
	switch {
	case a.Address != nil:
		grid, code, std = string(a.Address.Grid), a.Address.Code, a.Address.Standard
	case a.Status == AreaOnly:
		// the area is not a grid: no grid code
	}
	if a.Status == Matched || a.Status == Ambiguous {
		score = strconv.FormatFloat(a.Score, 'f', 2, 64)
	}
	return
}

type jsonOut struct {
	w     *bufio.Writer
	first bool
	buf   []byte
}

func (e *jsonOut) begin() error {
	e.first = true
	return e.w.WriteByte('[')
}

func (e *jsonOut) write(rw *row) error {
	b := e.buf[:0]
	if !e.first {
		b = append(b, ',')
	}
	e.first = false
	b = append(b, "\n{\"id\":"...)
	b = append(b, rw.rawID...)
	status, grid, code, std, score := rowAnswer(rw)
	b = append(b, ",\"status\":"...)
	b = strconv.AppendQuote(b, status)
	for _, kv := range [][2]string{{"grid_code", grid}, {"address_code", code}, {"standard", std}} {
		b = append(b, ",\""+kv[0]+"\":"...)
		if kv[1] == "" {
			b = append(b, "null"...)
		} else {
			q, _ := json.Marshal(kv[1])
			b = append(b, q...)
		}
	}
	b = append(b, ",\"score\":"...)
	if score == "" {
		b = append(b, "null"...)
	} else {
		b = append(b, score...)
	}
	b = append(b, '}')
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

func (e *jsonOut) end() error {
	_, err := e.w.WriteString("\n]\n")
	return err
}
