package ops

import (
	"fmt"
	"strconv"
	"strings"

	"gridmap/geo"
)

// References to grids made earlier in the same proposal. The codes an
// operation makes (split parts, a merge, a create, new parts of a
// redraw) are the next codes of the container's sequence when the
// proposal runs, which a planner learns only from a preview — and which
// move on when another proposal takes codes of that village first. So a
// later operation names such a grid by where it comes from, not by its
// code: "@k.n" is the n-th code (from 1, as the parts are named) made by
// operation k (from 0, as in /proposals/{id}/ops/{index}), k before the
// operation that names it. The reference is resolved each time the
// operations run (preview, validate, apply), so it always means the same
// grid whatever codes apply allocates; the preview lists the codes each
// operation makes (Preview.Ops).

// refPrefix starts a reference; no grid code contains it.
const refPrefix = "@"

// ParseRef parses a reference "@k.n": the operation index k (from 0)
// and the part n (from 1). ok is false for anything that is not written
// as a reference; err says what is wrong with one that is.
func ParseRef(c geo.Code) (op, part int, ok bool, err error) {
	s, isRef := strings.CutPrefix(string(c), refPrefix)
	if !isRef {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(s, ".")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !found || err1 != nil || err2 != nil || k < 0 || n < 1 || strconv.Itoa(k) != a || strconv.Itoa(n) != b {
		return 0, 0, true, fmt.Errorf("%q: a reference to a grid made by an earlier operation is @<operation index from 0>.<part from 1>, e.g. @0.1", c)
	}
	return k, n, true, nil
}

// IsRef reports whether c is written as a reference (valid or not).
func IsRef(c geo.Code) bool { return strings.HasPrefix(string(c), refPrefix) }

// opRefs returns the references an operation makes (grids, takers and the
// codes redraw parts keep).
func opRefs(op Op) []geo.Code {
	var out []geo.Code
	for _, c := range op.codes() {
		if IsRef(c) {
			out = append(out, c)
		}
	}
	return out
}

// codes returns every code an operation names, references included.
func (op Op) codes() []geo.Code {
	out := append(append([]geo.Code{}, op.Grids...), op.To...)
	for _, p := range op.Parts {
		if p.Code != "" {
			out = append(out, p.Code)
		}
	}
	return out
}

// CheckRefs checks the references of operation i: well written, and
// each to an operation before it.
func CheckRefs(op Op, i int) error {
	for _, c := range opRefs(op) {
		k, _, _, err := ParseRef(c)
		if err != nil {
			return err
		}
		if k >= i {
			return fmt.Errorf("%s refers to operation %d, which does not come before this one (operation %d, from 0): an operation may only name grids made by earlier ones", c, k, i)
		}
	}
	return nil
}

// RenumberRefs returns the operations without operation i: references
// to operations after it move down by one. It fails when an operation
// refers to a grid operation i makes (remove that one first).
func RenumberRefs(ops []Op, i int) ([]Op, error) {
	out := make([]Op, 0, len(ops))
	for j, op := range ops {
		if j == i {
			continue
		}
		fix := func(c geo.Code) (geo.Code, error) {
			k, n, ok, err := ParseRef(c)
			if !ok || err != nil || k < i {
				return c, nil
			}
			if k == i {
				return c, fmt.Errorf("operation %d names %s, a grid operation %d makes: remove operation %d first", j, c, i, j)
			}
			return geo.Code(fmt.Sprintf("%s%d.%d", refPrefix, k-1, n)), nil
		}
		var err error
		if op.Grids, err = fixCodes(op.Grids, fix); err != nil {
			return nil, err
		}
		if op.To, err = fixCodes(op.To, fix); err != nil {
			return nil, err
		}
		if len(op.Parts) > 0 {
			parts := append([]Part{}, op.Parts...)
			for p := range parts {
				if parts[p].Code, err = fix(parts[p].Code); err != nil {
					return nil, err
				}
			}
			op.Parts = parts
		}
		out = append(out, op)
	}
	return out, nil
}

func fixCodes(cs []geo.Code, fix func(geo.Code) (geo.Code, error)) ([]geo.Code, error) {
	if cs == nil {
		return nil, nil
	}
	out := make([]geo.Code, len(cs))
	for i, c := range cs {
		var err error
		if out[i], err = fix(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resolveRefs returns op i with its references replaced by the codes the
// earlier operations made (made[k] in the order they were issued).
func resolveRefs(op Op, i int, made [][]geo.Code) (Op, error) {
	if len(opRefs(op)) == 0 {
		return op, nil
	}
	fix := func(c geo.Code) (geo.Code, error) {
		k, n, ok, err := ParseRef(c)
		if !ok {
			return c, nil
		}
		if err != nil {
			return c, &Error{Index: i, Op: op.Type, Msg: err.Error()}
		}
		if k >= i || k >= len(made) {
			return c, &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("%s refers to operation %d, which does not come before this one", c, k)}
		}
		if n > len(made[k]) {
			return c, &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("%s: operation %d makes %d grid(s), not %d", c, k, len(made[k]), n)}
		}
		return made[k][n-1], nil
	}
	var err error
	if op.Grids, err = fixCodes(op.Grids, fix); err != nil {
		return op, err
	}
	if op.To, err = fixCodes(op.To, fix); err != nil {
		return op, err
	}
	if len(op.Parts) > 0 {
		parts := append([]Part{}, op.Parts...)
		for p := range parts {
			if parts[p].Code, err = fix(parts[p].Code); err != nil {
				return op, err
			}
		}
		op.Parts = parts
	}
	return op, nil
}

// Result is what one operation of a preview makes: the codes it
// issues, in the order references "@k.n" number them.
type Result struct {
	Index int        `json:"index"`
	Type  string     `json:"type"`
	Makes []geo.Code `json:"makes"`
}
