package phone

import (
	"math/bits"
	"regexp/syntax"
	"strings"
)

// This file turns libphonenumber's metadata regular expressions into the two
// small structures the fast path consults instead of running a regexp:
//
//   - prefixSet: the finite list of digit strings an international or
//     national prefix pattern matches, in the regexp's own preference order
//     (leftmost-first, as Go's regexp and libphonenumber's Java original).
//   - shape: for a national-number pattern, which lengths a match can have
//     when it starts with a given digit. It answers "can this pattern
//     possibly match N?" conservatively: false means a definite no, true
//     means "maybe", and the fast path then defers to libphonenumber.

// maxPrefixStrings bounds the expansion of a prefix pattern. Patterns that
// match more strings than this (a few regions' carrier-code rules) are kept
// as "complex" and any input they might match goes to the slow path.
const maxPrefixStrings = 256

// prefixSet answers "does pattern P match at the start of this digit string,
// and where does the match end?" exactly when P matches a small finite set
// of digit strings, and conservatively otherwise.
type prefixSet struct {
	alts    []string // preference order; used when !complex
	complex bool     // alts unusable: decide only "cannot match"
	// first has bit d set if a match may start with digit d, and bit
	// emptyBit if the pattern may match the empty string. It rejects most
	// inputs with one test.
	first uint16
}

const emptyBit = 10

// newPrefixSet analyses pattern. An empty pattern never matches.
// forceComplex is set when a match also triggers something the fast path
// does not model (a national-prefix transform rule).
func newPrefixSet(pattern string, forceComplex bool) prefixSet {
	if pattern == "" {
		return prefixSet{}
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return prefixSet{complex: true, first: 1<<(emptyBit+1) - 1}
	}
	if !forceComplex {
		if alts, ok := expand(re); ok {
			p := prefixSet{alts: alts}
			for _, a := range alts {
				if a == "" {
					p.first |= 1 << emptyBit
				} else {
					p.first |= 1 << (a[0] - '0')
				}
			}
			return p
		}
	}
	sh := shapeOf(re)
	if sh.unknown {
		return prefixSet{complex: true, first: 1<<(emptyBit+1) - 1}
	}
	p := prefixSet{complex: true}
	for d, l := range sh.byFirst {
		if l != 0 {
			p.first |= 1 << d
		}
	}
	if sh.lens&1 != 0 {
		p.first |= 1 << emptyBit
	}
	return p
}

// match reports the end of the match of the pattern at the start of d.
// decided is false when the pattern is complex and might match.
func (p *prefixSet) match(d []byte) (end int, matched, decided bool) {
	mask := uint16(1 << emptyBit)
	if len(d) > 0 {
		mask |= 1 << (d[0] - '0')
	}
	if p.first&mask == 0 {
		return 0, false, true
	}
	if p.complex {
		return 0, false, false
	}
	for _, a := range p.alts {
		if hasPrefix(d, a) {
			return len(a), true, true
		}
	}
	return 0, false, true
}

// hasPrefix is bytes.HasPrefix for the few-byte prefixes of the metadata,
// without the call into the runtime's memequal.
func hasPrefix(d []byte, prefix string) bool {
	if len(prefix) > len(d) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if d[i] != prefix[i] {
			return false
		}
	}
	return true
}

// expand lists the digit strings re matches, in preference order, or
// reports false when the set is infinite, too large, or uses an operator
// the expansion does not model.
func expand(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			if r < '0' || r > '9' {
				return nil, false
			}
			b.WriteRune(r)
		}
		return []string{b.String()}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := max(re.Rune[i], '0'); r <= min(re.Rune[i+1], '9'); r++ {
				out = append(out, string(r))
			}
		}
		return out, true
	case syntax.OpCapture:
		return expand(re.Sub[0])
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			next, ok := expand(s)
			if !ok {
				return nil, false
			}
			if out, ok = cross(out, next); !ok {
				return nil, false
			}
		}
		return out, true
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			next, ok := expand(s)
			if !ok || len(out)+len(next) > maxPrefixStrings {
				return nil, false
			}
			out = append(out, next...)
		}
		return out, true
	case syntax.OpQuest:
		sub, ok := expand(re.Sub[0])
		if !ok {
			return nil, false
		}
		return optional(sub, re.Flags&syntax.NonGreedy != 0), true
	case syntax.OpRepeat:
		if re.Max < 0 {
			return nil, false
		}
		sub, ok := expand(re.Sub[0])
		if !ok {
			return nil, false
		}
		// X{m,n} == X^m followed by n-m nested optional X, each preferring
		// "one more" when greedy (as a backtracking matcher tries them).
		tail := []string{""}
		for i := re.Min; i < re.Max; i++ {
			t, ok := cross(sub, tail)
			if !ok {
				return nil, false
			}
			tail = optional(t, re.Flags&syntax.NonGreedy != 0)
		}
		out := []string{""}
		for i := 0; i < re.Min; i++ {
			if out, ok = cross(out, sub); !ok {
				return nil, false
			}
		}
		return cross(out, tail)
	}
	return nil, false
}

// cross is the concatenation of two preference-ordered string lists:
// the first list's choice varies slowest, as in backtracking.
func cross(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxPrefixStrings {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out, true
}

// optional is X? in preference order.
func optional(sub []string, nonGreedy bool) []string {
	if nonGreedy {
		return append([]string{""}, sub...)
	}
	return append(sub[:len(sub):len(sub)], "")
}

// shape over-approximates the set of strings a pattern matches by their
// first digit and length (lengths 0..63).
type shape struct {
	lens    uint64     // bit l: some match has length l
	byFirst [10]uint64 // bit l of byFirst[d]: some match of length l starts with digit d
	unknown bool       // analysis gave up: anything may match
}

// mayMatch reports whether the pattern could fully match d. False is
// definite; true means "cannot rule it out".
func (s *shape) mayMatch(d []byte) bool {
	if s.unknown {
		return true
	}
	if len(d) == 0 {
		return s.lens&1 != 0
	}
	return len(d) < 64 && s.byFirst[d[0]-'0']&(1<<len(d)) != 0
}

// sumset returns {x+y : x in a, y in b}, truncated to 0..63.
func sumset(a, b uint64) uint64 {
	var out uint64
	for a != 0 {
		i := bits.TrailingZeros64(a)
		a &^= 1 << i
		out |= b << i
	}
	return out
}

// then is the shape of the concatenation s·t.
func (s shape) then(t shape) shape {
	out := shape{lens: sumset(s.lens, t.lens), unknown: s.unknown || t.unknown}
	for d := range out.byFirst {
		out.byFirst[d] = sumset(s.byFirst[d], t.lens)
		if s.lens&1 != 0 {
			out.byFirst[d] |= t.byFirst[d]
		}
	}
	return out
}

// or is the shape of the alternation s|t.
func (s shape) or(t shape) shape {
	out := shape{lens: s.lens | t.lens, unknown: s.unknown || t.unknown}
	for d := range out.byFirst {
		out.byFirst[d] = s.byFirst[d] | t.byFirst[d]
	}
	return out
}

var emptyShape = shape{lens: 1}

// shapeOf computes the shape of re.
func shapeOf(re *syntax.Regexp) shape {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine:
		return emptyShape
	case syntax.OpNoMatch:
		return shape{}
	case syntax.OpLiteral:
		s := emptyShape
		for _, r := range re.Rune {
			s = s.then(charShape([]rune{r, r}))
		}
		return s
	case syntax.OpCharClass:
		return charShape(re.Rune)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return charShape([]rune{'0', '9'})
	case syntax.OpCapture:
		return shapeOf(re.Sub[0])
	case syntax.OpConcat:
		s := emptyShape
		for _, sub := range re.Sub {
			s = s.then(shapeOf(sub))
		}
		return s
	case syntax.OpAlternate:
		s := shape{}
		for _, sub := range re.Sub {
			s = s.or(shapeOf(sub))
		}
		return s
	case syntax.OpQuest:
		return shapeOf(re.Sub[0]).or(emptyShape)
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		lo, hi := 0, 64 // 64 repetitions saturate the 0..63 length range
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpRepeat:
			lo = re.Min
			if re.Max >= 0 {
				hi = re.Max
			}
		}
		sub := shapeOf(re.Sub[0])
		s := emptyShape
		for i := 0; i < lo && i < 64; i++ {
			s = s.then(sub)
		}
		acc := s
		for i := lo; i < hi; i++ {
			s = s.then(sub)
			next := acc.or(s)
			if next == acc {
				break
			}
			acc = next
		}
		return acc
	}
	return shape{unknown: true}
}

// charShape is the shape of one character from the class ranges (pairs).
func charShape(ranges []rune) shape {
	s := shape{}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := max(ranges[i], '0'); r <= min(ranges[i+1], '9'); r++ {
			s.byFirst[r-'0'] = 1 << 1
			s.lens = 1 << 1
		}
	}
	return s
}
