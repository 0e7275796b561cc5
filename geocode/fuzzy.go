package geocode

import "unicode/utf8"

// editDistance is the Levenshtein distance between two rune strings,
// giving up (returning max+1) once it exceeds max.
func editDistance(a, b []rune, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
			best = min(best, c)
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// maxEdits is how many typos a name of n runes may carry and still be
// read as that name: none in two runes, one up to five, two beyond. Made-up
// names closer than that to a real one cannot be told from a typo.
func maxEdits(n int) int {
	switch {
	case n <= 2:
		return 0
	case n <= 5:
		return 1
	}
	return 2
}

// nameDict is a set of names (roads, compounds, villages) with a posting
// list per rune, for finding the names a misspelt text may mean.
type nameDict struct {
	names    []string
	runes    [][]rune
	distinct []int // distinct runes of each name
	id       map[string]int32
	postings map[rune][]int32
}

func newNameDict() *nameDict {
	return &nameDict{id: map[string]int32{}, postings: map[rune][]int32{}}
}

// add returns the id of name, adding it if new.
func (d *nameDict) add(name string) int32 {
	if id, ok := d.id[name]; ok {
		return id
	}
	id := int32(len(d.names))
	d.names = append(d.names, name)
	rs := []rune(name)
	d.runes = append(d.runes, rs)
	d.id[name] = id
	seen := map[rune]bool{}
	for _, r := range rs {
		if !seen[r] && !generic(r) {
			seen[r] = true
			d.postings[r] = append(d.postings[r], id)
		}
	}
	d.distinct = append(d.distinct, len(seen))
	return id
}

// fuzzyMatch is a name a text may mean, with its edit distance.
type fuzzyMatch struct {
	id    int32
	edits int
	start int // rune offset in the text where the name begins
}

// suffixMatches finds the names the end of text spells, exactly (the
// longest) or within maxEdits typos; text may begin with other words
// (misspelt areas). Exact matches come alone.
func (d *nameDict) suffixMatches(text []rune, scratch map[int32]int) []fuzzyMatch {
	for start := 0; start+3 <= len(text); start++ {
		if id, ok := d.id[string(text[start:])]; ok {
			return []fuzzyMatch{{id: id, start: start}}
		}
	}
	if len(text) < 3 {
		return nil
	}
	clear(scratch)
	// Runes in very many names (花, 新 …) are not counted: a name must share
	// its other runes, less the typos, less the common ones it has.
	common := 0
	for _, r := range uniqueRunes(text) {
		p := d.postings[r]
		if len(p) > commonPostings {
			common++
			continue
		}
		for _, id := range p {
			scratch[id]++
		}
	}
	var out []fuzzyMatch
	best := 99
	for id, shared := range scratch {
		name := d.runes[id]
		e := maxEdits(len(name))
		if e == 0 || shared < d.distinct[id]-e-common {
			continue
		}
		for l := len(name) - e; l <= len(name)+e; l++ {
			// A window shorter than the name only as the whole text: else
			// the tail of another word (爱龙小区 → 龙小区) would pass for a
			// name with its first character dropped.
			if l < 1 || l > len(text) || l < len(name) && l != len(text) {
				continue
			}
			dist := editDistance(text[len(text)-l:], name, e)
			if dist <= e && dist <= best {
				if dist < best {
					out, best = out[:0], dist
				}
				out = append(out, fuzzyMatch{id: id, edits: dist, start: len(text) - l})
				break
			}
		}
	}
	return out
}

func uniqueRunes(rs []rune) []rune {
	out := make([]rune, 0, len(rs))
	for _, r := range rs {
		dup := false
		for _, o := range out {
			if o == r {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// commonPostings is the length from which a rune's posting list is not
// walked for misspelt names.
const commonPostings = 2000

// generic says whether a rune ends names of a kind (路, 街, 村, 园 …): every
// road or compound has one, so it tells names apart no better than noise.
func generic(r rune) bool {
	switch r {
	case '路', '街', '巷', '道', '弄', '里', '线', '村', '社', '区', '园', '苑', '府', '庄', '小', '家':
		return true
	}
	return false
}
