package sheet_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gridmap/sheet"
)

// workbook writes an XLSX in memory: the first sheet gets cells (by
// reference), a second sheet (made the active one) gets junk.
func workbook(t *testing.T, cells map[string]any, styles map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	first := f.GetSheetName(0)
	for ref, v := range cells {
		if err := f.SetCellValue(first, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	oneDecimal, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // "0.00"
	if err != nil {
		t.Fatal(err)
	}
	for ref := range styles {
		if err := f.SetCellStyle(first, ref, ref, oneDecimal); err != nil {
			t.Fatal(err)
		}
	}
	other, err := f.NewSheet("其他")
	if err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("其他", "A1", "not this sheet")
	f.SetActiveSheet(other)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSX(t *testing.T) {
	t.Parallel()
	data := workbook(t, map[string]any{
		"A1": " 姓名 ", "B1": "ADDRESS", "C1": "ｌｏｎ", "D1": "lat",
		"A2": "王小明", "B2": "盐城市亭湖区解放南路12号", "C2": 120.153721, "D2": 33.381234,
		// rows 3 and 4 absent, row 5 has only blank cells
		"A5": "", "B5": " ",
		"A6": "李四", "C6": 120.16, "D6": "33.39",
		"A7": "赵五", "B7": "五星街道新园路8号", "C7": 120.17, "D7": 33.4, "F7": "stray",
		"A8": "钱六", "B8": "黄尖镇新街村3组15号", "C8": 120.19, "D8": 33.42, "E8": "",
	}, map[string]string{"C2": "", "D2": ""})
	rd, g := readAll(t, bytes.NewReader(data), sheet.Options{TempDir: t.TempDir()})
	if rd.Format() != sheet.FormatXLSX || rd.Charset() != "" {
		t.Errorf("read as %s %q, want xlsx", rd.Format(), rd.Charset())
	}
	if h := strings.Join(rd.Header(), "|"); h != "姓名|ADDRESS|ｌｏｎ|lat" {
		t.Errorf("header %q", h)
	}
	want := got{
		rows: []string{
			// the stored values, not the 2-decimal display
			"row 2: 王小明|盐城市亭湖区解放南路12号|120.153721|33.381234",
			"row 6: 李四||120.16|33.39",
			"row 8: 钱六|黄尖镇新街村3组15号|120.19|33.42",
		},
		errs: []string{"row 7, column F: holds a value right of the last named column (D): name the column in the header row, or clear the cell"},
	}
	if strings.Join(g.rows, "\n") != strings.Join(want.rows, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(g.rows, "\n"), strings.Join(want.rows, "\n"))
	}
	if strings.Join(g.errs, "\n") != strings.Join(want.errs, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(g.errs, "\n"), strings.Join(want.errs, "\n"))
	}
}

func TestReadXLSXRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cells map[string]any
		opts  sheet.Options
		want  string
	}{
		{"header not in row 1", map[string]any{"A2": "name"}, sheet.Options{}, "row 1: the header row is empty"},
		{"empty sheet", map[string]any{}, sheet.Options{}, "row 1: the file is empty"},
		{"a name twice", map[string]any{"A1": "lat", "C1": "LAT"}, sheet.Options{}, "row 1, column LAT: is the name of columns A and C"},
		{"too large", map[string]any{"A1": "name"}, sheet.Options{MaxFileBytes: 1024}, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.TempDir = t.TempDir()
			rd, err := sheet.NewReader(bytes.NewReader(workbook(t, tt.cells, nil)), tt.opts)
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

// TestXLSXLeavesNoFiles: the spooled workbook and excelize's files are
// gone once the reader is closed (and the spool as soon as it is open).
func TestXLSXLeavesNoFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := workbook(t, map[string]any{"A1": "name", "A2": "x"}, nil)
	rd, err := sheet.NewReader(bytes.NewReader(data), sheet.Options{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, dir); n != 0 {
		t.Errorf("%d files in the temporary directory while reading, want 0 (the spool is removed once open)", n)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, dir); n != 0 {
		t.Errorf("%d files left in the temporary directory", n)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
