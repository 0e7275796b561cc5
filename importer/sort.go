package importer

import "sort"

// sortProblems orders the listed problems: file-level first, then by
// feature, errors before warnings, each feature's in the order found.
func sortProblems(rep *Report) {
	sort.SliceStable(rep.Problems, func(i, j int) bool {
		a, b := rep.Problems[i], rep.Problems[j]
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return a.Severity == "error" && b.Severity != "error"
	})
}
