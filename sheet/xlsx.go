package sheet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xuri/excelize/v2"
)

// xlsxSource streams the rows of a workbook's first sheet. Cells come as
// the file stores them (excelize's raw values): a number in full
// precision, not rounded to its display format (a coordinate shown as
// 120.2 stays 120.15372), a date as its serial number.
type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	row  int
}

// xmlInMemory is how large a sheet excelize keeps in memory; larger ones
// are unpacked to a temporary file and streamed from it.
const xmlInMemory = 16 << 20

func openXLSX(br *bufio.Reader, opts Options) (*xlsxSource, error) {
	// A ZIP file needs random access: spool it to a temporary file, which
	// excelize unpacks (sheets above xmlInMemory to temporary files of
	// its own, removed by Close) and no longer needs once open.
	tmp, err := os.CreateTemp(opts.TempDir, "gridmap-sheet-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(br, opts.maxFile()+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	if n > opts.maxFile() {
		return nil, fmt.Errorf("read workbook: larger than %d MiB: split it, or save it as CSV", opts.maxFile()>>20)
	}
	f, err := excelize.OpenFile(tmp.Name(), excelize.Options{
		UnzipSizeLimit:    opts.maxUnzip(),
		UnzipXMLSizeLimit: min(xmlInMemory, opts.maxUnzip()),
		TmpDir:            opts.TempDir,
	})
	if err != nil {
		return nil, fmt.Errorf("read workbook: not a readable .xlsx file (%v): save it again as .xlsx, or as CSV", err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, errors.New("read workbook: it has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read workbook: sheet %q: %w", sheets[0], err)
	}
	return &xlsxSource{f: f, rows: rows}, nil
}

// next gives every row in turn, empty ones (absent from the file) too,
// so that the count is the row number.
func (s *xlsxSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, fmt.Errorf("read workbook: after row %d: %w", s.row, err)
		}
		return 0, nil, io.EOF
	}
	s.row++
	cols, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, fmt.Errorf("read workbook: row %d: %w", s.row, err)
	}
	return s.row, cols, nil
}

func (s *xlsxSource) close() error {
	err := s.rows.Close()
	if ferr := s.f.Close(); err == nil {
		err = ferr
	}
	return err
}
