package geocode

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

// Normalizer writes an address text in the one form the index keeps:
// half-width, simplified, no spaces or punctuation, Arabic numbers before
// their markers, one marker per part (幢 for 栋/座/号楼, 单元 for 门, 室 for a
// room's 房 or 号), 3-2-501 written out as 3幢2单元501室. Standard
// addresses and queries go through the same Normalizer, so both sides meet
// in one form. A Normalizer is safe for concurrent use.
type Normalizer struct {
	// known says whether a rune occurs in the standard addresses. A text
	// with a Han rune outside it goes through OpenCC's traditional →
	// simplified conversion (phrase-aware, but ≈30 µs a text); the others,
	// nearly all, skip it.
	known func(rune) bool
	t2s   *converter
}

// converter is OpenCC's converter, shared by the normalisers made from
// one (its dictionaries take a while to load).
type converter struct {
	mu sync.Mutex // OpenCC's converter is not documented as concurrent-safe
	cc *opencc.OpenCC
}

// NewNormalizer makes a Normalizer. known (nil: every rune is unknown)
// tells the runes of the standard addresses, which need no conversion.
func NewNormalizer(known func(rune) bool) (*Normalizer, error) {
	cc, err := opencc.New("t2s")
	if err != nil {
		return nil, err
	}
	if known == nil {
		known = func(rune) bool { return false }
	}
	return &Normalizer{known: known, t2s: &converter{cc: cc}}, nil
}

// withKnown is a Normalizer like n (sharing its converter) with other
// known runes.
func (n *Normalizer) withKnown(known func(rune) bool) *Normalizer {
	return &Normalizer{known: known, t2s: n.t2s}
}

// Normalize writes s in the normal form (see Normalizer).
func (n *Normalizer) Normalize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = width.Fold.String(s)
	if n.t2s != nil && n.needsT2S(s) {
		n.t2s.mu.Lock()
		if t, err := n.t2s.cc.Convert(s); err == nil {
			s = t
		}
		n.t2s.mu.Unlock()
	}
	return normalizeSimplified(s)
}

func (n *Normalizer) needsT2S(s string) bool {
	for _, r := range s {
		if r >= 0x3400 && !n.known(r) && unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// punctuation dropped from addresses (dashes are kept as '-').
const dropped = " \t\r\n\u00a0\u3000,，.。、;；:：'\"“”‘’()（）[]【】<>《》{}·・!！?？/\\|"

// synonyms of area words: the long forms people write, to the standard's.
var areaWords = strings.NewReplacer(
	"街道办事处", "街道", "社区居民委员会", "社区", "社区居委会", "社区",
	"居民委员会", "社区", "村民委员会", "村", "村委会", "村",
	"村民小组", "组", "村民组", "组", "居委会", "社区",
)

// normalizeSimplified is Normalize after width folding and conversion.
func normalizeSimplified(s string) string {
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case strings.ContainsRune(dropped, r) || unicode.IsSpace(r) || unicode.IsControl(r):
			continue
		case r == '—' || r == '–' || r == '‐' || r == '－' || r == '~' || r == '～' || r == '_' || r == '―' || r == '−':
			r = '-'
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r == '＃' || r == '№':
			r = '#'
		}
		rs = append(rs, r)
	}
	s = areaWords.Replace(string(rs))
	s = numerals(s)
	s = markers(s)
	return s
}

// Chinese numerals, by value (-1: a unit 十百千).
var numeralValue = map[rune]int{
	'零': 0, '〇': 0, 'O': -2, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5,
	'六': 6, '七': 7, '八': 8, '九': 9, '十': -10, '百': -100, '千': -1000,
}

// numberMarkers are the words written after a number of an address part:
// a run of Chinese numerals is written in digits only before one of them
// (so 五星街道 and 三里村 keep their names).
var numberMarkers = []string{"号", "幢", "栋", "座", "楼", "单元", "门", "室", "房", "组", "层", "-"}

func beforeMarker(s string) bool {
	for _, m := range numberMarkers {
		if strings.HasPrefix(s, m) {
			return true
		}
	}
	return false
}

// numerals writes runs of Chinese numerals before a marker in digits
// (十二号 → 12号, 五零一室 → 501室), dropping a 第 before them.
func numerals(s string) string {
	if !strings.ContainsAny(s, "零〇一二两三四五六七八九十百千") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) {
			r, w := utf8.DecodeRuneInString(s[j:])
			if v, ok := numeralValue[r]; !ok || v == -2 {
				break
			}
			j += w
		}
		if j == i {
			r, w := utf8.DecodeRuneInString(s[i:])
			if r == '第' && i+w < len(s) {
				// 第 before a numeral run before a marker is dropped.
				k := i + w
				for k < len(s) {
					r2, w2 := utf8.DecodeRuneInString(s[k:])
					if v, ok := numeralValue[r2]; !ok || v == -2 {
						break
					}
					k += w2
				}
				if k > i+w && beforeMarker(s[k:]) {
					i += w
					continue
				}
			}
			b.WriteString(s[i : i+w])
			i += w
			continue
		}
		if beforeMarker(s[j:]) {
			if d, ok := numeralDigits(s[i:j]); ok {
				b.WriteString(d)
				i = j
				continue
			}
		}
		b.WriteString(s[i:j])
		i = j
	}
	return b.String()
}

// numeralDigits reads a run of Chinese numerals: positional (三百零五, 十二)
// when it has a unit, digit by digit (五零一) when not.
func numeralDigits(s string) (string, bool) {
	rs := []rune(s)
	positional := false
	for _, r := range rs {
		if numeralValue[r] < 0 {
			positional = true
		}
	}
	if !positional {
		var b strings.Builder
		for _, r := range rs {
			b.WriteByte(byte('0' + numeralValue[r]))
		}
		return b.String(), true
	}
	total, digit := 0, -1
	lastUnit := 100000
	for _, r := range rs {
		v := numeralValue[r]
		if v >= 0 {
			if digit >= 0 && v != 0 {
				return "", false // two digits in a row in a positional number
			}
			if v != 0 {
				digit = v
			}
			continue
		}
		unit := -v
		if unit >= lastUnit {
			return "", false
		}
		lastUnit = unit
		if digit < 0 { // 十二: a ten without its digit; 百 alone is not a number
			if unit != 10 {
				return "", false
			}
			digit = 1
		}
		total += digit * unit
		digit = -1
	}
	if digit > 0 {
		total += digit
	}
	if total > 99999 {
		return "", false
	}
	return itoa(total), true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [8]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// markers writes the one marker of each part after its number: 栋, 座, 号楼
// and #楼 are 幢; N# before an entrance is a building, else a door number;
// 门 after a number is 单元; 房 after a number, and 号 after an entrance or
// building's number, is 室; a number ending the text after an entrance
// is a room; 3-2-501 is 3幢2单元501室 and 2单元-501 is 2单元501室.
func markers(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	type tok struct {
		num  string // digits and capital letters of a number ("" for text)
		text string
	}
	// Split into numbers (digits with an optional trailing capital) and text.
	var toks []tok
	for i := 0; i < len(s); {
		if isDigit(s[i]) {
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] >= 'A' && s[j] <= 'Z' && (j+1 == len(s) || !(s[j+1] >= 'A' && s[j+1] <= 'Z')) {
				j++
			}
			toks = append(toks, tok{num: s[i:j]})
			i = j
			continue
		}
		j := i
		for j < len(s) && !isDigit(s[j]) {
			j++
		}
		toks = append(toks, tok{text: s[i:j]})
		i = j
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	state := 0 // 0 before the door, 1 after a door number, 2 after a building, 3 after an entrance, 4 after a room
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		if t.num == "" {
			b.WriteString(t.text)
			continue
		}
		next := ""
		if k+1 < len(toks) {
			next = toks[k+1].text
		}
		// A run n-n-n (3-2-501) or n-n after a building (幢2-501), not
		// followed by 号 (which makes it a door number like 12-1号).
		if strings.HasPrefix(next, "-") && next == "-" && k+2 < len(toks) && toks[k+2].num != "" {
			nums := []string{t.num}
			m := k + 1
			for m+1 < len(toks) && toks[m].text == "-" && toks[m+1].num != "" && len(nums) < 3 {
				nums = append(nums, toks[m+1].num)
				m += 2
			}
			after := ""
			if m < len(toks) {
				after = toks[m].text
			}
			if len(nums) == 3 && !strings.HasPrefix(after, "号") {
				b.WriteString(nums[0] + "幢" + nums[1] + "单元" + nums[2] + "室")
				k = m
				if strings.HasPrefix(after, "室") || strings.HasPrefix(after, "房") || strings.HasPrefix(after, "号") {
					toks[m].text = after[3:]
				}
				k--
				k = m - 1
				state = 4
				continue
			}
			if len(nums) == 2 && state == 2 && !strings.HasPrefix(after, "单元") {
				b.WriteString(nums[0] + "单元" + nums[1] + "室") // 3幢2-501
				if strings.HasPrefix(after, "室") || strings.HasPrefix(after, "房") || strings.HasPrefix(after, "号") {
					toks[m].text = after[3:]
				}
				k = m - 1
				state = 4
				continue
			}
		}
		b.WriteString(t.num)
		switch {
		case strings.HasPrefix(next, "号楼"):
			b.WriteString("幢")
			toks[k+1].text = next[len("号楼"):]
			state = 2
		case strings.HasPrefix(next, "#楼"):
			b.WriteString("幢")
			toks[k+1].text = next[len("#楼"):]
			state = 2
		case strings.HasPrefix(next, "栋"), strings.HasPrefix(next, "座"):
			b.WriteString("幢")
			toks[k+1].text = next[3:]
			state = 2
		case strings.HasPrefix(next, "幢"):
			b.WriteString("幢")
			toks[k+1].text = next[3:]
			state = 2
		case strings.HasPrefix(next, "#"):
			// 3#2单元 or 3#-2-501: a building; 12# alone: a door number.
			rest := next[1:]
			if k+2 < len(toks) && (rest == "" || rest == "-") && toks[k+2].num != "" {
				b.WriteString("幢")
				state = 2
			} else if state >= 2 {
				b.WriteString("室") // 3幢501#: a room
				state = 4
			} else {
				b.WriteString("号")
				state = 1
			}
			toks[k+1].text = strings.TrimPrefix(rest, "-")
		case strings.HasPrefix(next, "门"):
			b.WriteString("单元")
			toks[k+1].text = next[3:]
			state = 3
		case strings.HasPrefix(next, "单元"):
			b.WriteString("单元")
			toks[k+1].text = strings.TrimPrefix(next[len("单元"):], "-")
			state = 3
		case strings.HasPrefix(next, "房"), strings.HasPrefix(next, "室"):
			b.WriteString("室")
			toks[k+1].text = next[3:]
			state = 4
		case strings.HasPrefix(next, "号") && state >= 2:
			b.WriteString("室")
			toks[k+1].text = next[3:]
			state = 4
		case strings.HasPrefix(next, "号"):
			state = 1
		case next == "" && k+1 == len(toks) && state == 3:
			b.WriteString("室") // 2单元501
			state = 4
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
