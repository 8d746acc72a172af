package trace

import (
	"bufio"
	"cmp"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LadderOptions say how Ladder draws.
type LadderOptions struct {
	// Color colours the ladder with ANSI SGR sequences: S6a blue, S6d
	// cyan, Gn magenta, NAS in the terminal's colour, events leading to
	// ATTACHED or ONLINE green, to OFFLINE or BLOCKED yellow, failed steps
	// red. Without it the output holds no escape sequence at all.
	Color bool
	// Width is the terminal's width in columns: no line is wider. 0 is
	// 120; less than 80 is 80.
	Width int
}

const (
	defaultWidth = 120
	minWidth     = 80
	// firstLifeline is the Device lifeline's column: the time gutter
	// ("15:04:05.000") and two spaces are left of it.
	firstLifeline = 14
	timeLayout    = "15:04:05.000"
	dateLayout    = "2006-01-02"
	// How wide a lane would like to be for a note, a decision, an event or
	// a field ("Key: Value") before wrapping it: wider text wraps rather
	// than widening the lane further. Text gets textNeed before the names
	// on the arrows, the rest after.
	textNeed  = 20
	textWant  = 44
	fieldWant = 34
	// fieldNeed is the width of a lane whose messages have fields: an
	// IMSI fits on a line.
	fieldNeed = 24
	// eventNeed is how narrow the events' lane gets before the others are
	// narrowed when the width is short.
	eventNeed = 30
)

// laneFloor is how narrow each lane may be.
var laneFloor = [4]int{12, 8, 6, 12}

// Ladder draws steps, in the order given, as a ladder (sequence) diagram
// for a terminal: a header naming the four columns (Columns), a time
// gutter on the left (the virtual time when it changes; the date above the
// first step and when the day changes), and a lifeline per column, in
// plain ASCII.
//
// A message is an arrow between its columns' lifelines with its name and
// protocol on it (above it when the lanes are too narrow), its key fields
// packed on the lines under it, between the lifelines. A decision of the
// SIM applet is a line at its column ("* applet: ..."), a note a line at
// its column ("- ..."), an event a line right of the GGSN lifeline
// ("=> event 12 Update location -> ATTACHED") with its description under
// it. A failed step (OK false) starts with "! " (and is red with colour).
// Lines are wrapped to fit the width, never cut: a long value continues on
// the next line. The lanes between lifelines are as wide as what is drawn
// in them would like, shared out when the width is short.
func Ladder(w io.Writer, steps []Step, o LadderOptions) error {
	width := o.Width
	if width == 0 {
		width = defaultWidth
	}
	if width < minWidth {
		width = minWidth
	}
	l := &ladder{bw: bufio.NewWriter(w), color: o.Color}
	l.pos = layout(steps, width)
	l.header()
	for i := range steps {
		l.step(&steps[i])
	}
	return l.bw.Flush()
}

// style is how a run of cells is coloured.
type style uint8

const (
	plain style = iota
	dim
	bold
	red
	green
	yellow
	blue
	magenta
	cyan
)

var sgr = [...]string{plain: "", dim: "2", bold: "1", red: "31", green: "32", yellow: "33", blue: "34", magenta: "35", cyan: "36"}

type cell struct {
	r rune
	s style
}

type ladder struct {
	bw    *bufio.Writer
	color bool
	// pos are the lifelines' columns (Device, Serving, HLR, GGSN), then
	// the diagram's width.
	pos       [5]int
	day, time string // the last date and time printed
	gutter    string // for the next row
	rows      int    // rows written
	last      int    // rows the last step wrote
}

// lane is where a column's text goes: right of its lifeline, lane 3 (right
// of the GGSN) being the events' lane, where anything not drawn at a
// network element's column goes too.
func lane(c Column) int {
	if c <= GGSN {
		return int(c)
	}
	return 3
}

// at is a column's lifeline; a column with no lifeline (Platform) is at
// the diagram's right edge.
func (l *ladder) at(c Column) int {
	if c <= GGSN {
		return l.pos[c]
	}
	return l.pos[4] - 1
}

// region is where text goes in lane i: from two columns right of its
// lifeline to one column short of the next one (to the diagram's edge for
// the last lane).
func (l *ladder) region(i int) (start, width int) {
	start = l.pos[i] + 2
	end := l.pos[i+1] - 1
	if i == 3 {
		end = l.pos[4]
	}
	return start, end - start
}

// widest is the widest lane from lo to hi-1 (lo if they are one).
func (l *ladder) widest(lo, hi int) int {
	best := lo
	for i := lo + 1; i < hi && i < 4; i++ {
		if l.pos[i+1]-l.pos[i] > l.pos[best+1]-l.pos[best] {
			best = i
		}
	}
	return best
}

// layout places the lifelines. Each lane (the space right of a
// lifeline) is, in turn, as wide as the titles and a little of the text
// drawn in it need; as wide as the names on its arrows need, the arrows
// that cost the fewest columns first, each arrow all or nothing (a name
// that does not fit goes above its arrow); then as wide as its notes,
// events and fields would like, the narrowest lanes widened first. It
// stops at the width.
func layout(steps []Step, width int) [5]int {
	var g, like [4]int
	titles := [4]string{Device.String(), Serving.String(), HLR.String(), GGSN.String()}
	for i := range g {
		// Room for the titles centred on the lifelines, two spaces apart.
		n := utf8.RuneCountInString(titles[i])
		if i < 3 {
			g[i] = n - n/2 + utf8.RuneCountInString(titles[i+1])/2 + 1
		} else {
			g[i] = n - n/2
		}
		g[i] = max(g[i], laneFloor[i])
	}
	hard := g
	text := func(i, n int) {
		g[i] = max(g[i], min(n, textNeed))
		like[i] = max(like[i], min(n, textWant))
	}
	// An arrow needs its lanes lo to hi-1, and the lifelines between
	// them, to add up to n.
	type arrow struct{ lo, hi, n int }
	var arrows []arrow
	spanNeed := map[[2]int]int{} // the widest name on the arrows over lanes lo to hi-1
	for i := range steps {
		s := &steps[i]
		switch s.Kind {
		case Message:
			a, b := min(lane(s.From), lane(s.To)), max(lane(s.From), lane(s.To))
			if s.From > GGSN || s.To > GGSN {
				b = 4
			}
			n := utf8.RuneCountInString(arrowLabel(s)) + 6
			if s.From == s.To || a == b {
				text(a, n)
				break
			}
			spanNeed[[2]int{a, b}] = max(spanNeed[[2]int{a, b}], n)
			like[a] = max(like[a], n)
			if len(s.Fields) > 0 {
				g[a] = max(g[a], fieldNeed)
			}
			for _, f := range s.Fields {
				like[a] = max(like[a], min(utf8.RuneCountInString(fieldText(f))+4, fieldWant))
			}
		case Decision:
			text(lane(s.From), utf8.RuneCountInString(decisionText(s))+3)
		case Note:
			text(lane(s.From), utf8.RuneCountInString(noteText(s))+3)
		case Event:
			// Events are what the platform's users see: their lane is
			// kept readable before the others widen.
			n := utf8.RuneCountInString(eventText(s)) + 2
			if s.Text != "" {
				n = max(n, textWant)
			}
			g[3] = max(g[3], min(n, eventNeed))
			like[3] = max(like[3], min(n, textWant))
		}
	}
	for k, n := range spanNeed {
		arrows = append(arrows, arrow{k[0], k[1], n})
	}
	// In an order of their own: the layout does not depend on the map's.
	slices.SortFunc(arrows, func(x, y arrow) int { return cmp.Or(x.lo-y.lo, x.hi-y.hi) })
	left := width - firstLifeline - 4
	for _, w := range g {
		left -= w
	}
	// Text first, but no wider than the width: the events' lane gives
	// back first, down to eventNeed, then the widest lanes.
	for ; left < 0; left++ {
		k := -1
		if g[3] > max(hard[3], eventNeed) {
			k = 3
		}
		for i := range g {
			if k != 3 && g[i] > hard[i] && (k < 0 || g[i] > g[k]) {
				k = i
			}
		}
		if k < 0 {
			break
		}
		g[k]--
	}
	cost := func(a arrow) int {
		have := a.hi - a.lo - 1
		for i := a.lo; i < a.hi; i++ {
			have += g[i]
		}
		return a.n - have
	}
	for {
		k := -1
		for j, a := range arrows {
			if c := cost(a); c > 0 && c <= left && (k < 0 || c < cost(arrows[k])) {
				k = j
			}
		}
		if k < 0 {
			break
		}
		// To the lane of the arrow's that would like the most.
		a := arrows[k]
		c := cost(a)
		best := a.lo
		for i := a.lo + 1; i < a.hi; i++ {
			if like[i]-g[i] > like[best]-g[best] {
				best = i
			}
		}
		g[best] += c
		left -= c
	}
	// What is left, to the lanes that would like it, the narrowest first.
	for ; left > 0; left-- {
		k := -1
		for i := range g {
			if g[i] < like[i] && (k < 0 || g[i] < g[k]) {
				k = i
			}
		}
		if k < 0 {
			break
		}
		g[k]++
	}
	var pos [5]int
	pos[0] = firstLifeline
	for i := range g {
		pos[i+1] = pos[i] + g[i] + 1
	}
	return pos
}

func arrowLabel(s *Step) string {
	t := clean(s.Name) + " (" + s.Protocol.String() + ")"
	if !s.OK {
		t = "! " + t
	}
	return t
}

func fieldText(f Field) string {
	if f.Key == "" {
		return clean(f.Value)
	}
	return clean(f.Key) + ": " + clean(f.Value)
}

// decisionText is `* applet: Name (Key: Value, ...): Text`.
func decisionText(s *Step) string {
	var b strings.Builder
	if !s.OK {
		b.WriteString("! ")
	}
	b.WriteString("* applet:")
	if s.Name != "" {
		b.WriteString(" " + s.Name)
	}
	if len(s.Fields) > 0 {
		b.WriteString(" (")
		for i, f := range s.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(fieldText(f))
		}
		b.WriteString(")")
	}
	if s.Text != "" {
		if s.Name != "" || len(s.Fields) > 0 {
			b.WriteString(":")
		}
		b.WriteString(" " + s.Text)
	}
	return b.String()
}

// noteText is `- Name: Text`.
func noteText(s *Step) string {
	t := "- "
	if !s.OK {
		t = "! " + t
	}
	switch {
	case s.Name != "" && s.Text != "":
		return t + s.Name + ": " + s.Text
	case s.Name != "":
		return t + s.Name
	}
	return t + s.Text
}

// eventText is `=> event 12 Name -> STATUS`.
func eventText(s *Step) string {
	t := "=> event"
	if !s.OK {
		t = "! " + t
	}
	if s.EventID != 0 {
		t += " " + strconv.FormatInt(s.EventID, 10)
	}
	if s.Name != "" {
		t += " " + clean(s.Name)
	} else if s.EventType != 0 {
		t += " type " + strconv.Itoa(s.EventType)
	}
	if s.Status != "" {
		t += " -> " + clean(s.Status)
	}
	return t
}

func (l *ladder) header() {
	row := make([]cell, l.pos[4])
	for i := range row {
		row[i].r = ' '
	}
	for i, c := range Columns {
		t := []rune(c.String())
		start := max(l.pos[i]-len(t)/2, 0)
		for j, r := range t {
			if start+j < len(row) {
				row[start+j] = cell{r, bold}
			}
		}
	}
	l.write(row)
}

// row is an empty row: the lifelines and the gutter, if the step's first
// row has yet to be written.
func (l *ladder) row() []cell {
	row := make([]cell, l.pos[4])
	for i := range row {
		row[i].r = ' '
	}
	for _, p := range l.pos[:4] {
		row[p].r = '|'
	}
	for i, r := range []rune(l.gutter) {
		if i < firstLifeline-1 {
			row[i].r = r
		}
	}
	l.gutter = ""
	return row
}

func put(row []cell, at int, t string, s style) {
	for _, r := range t {
		if at >= 0 && at < len(row) {
			row[at] = cell{r, s}
		}
		at++
	}
}

// text writes lines in lane i, indented by indent.
func (l *ladder) text(i, indent int, lines []string, s style) {
	start, _ := l.region(i)
	for _, t := range lines {
		row := l.row()
		put(row, start+indent, t, s)
		l.write(row)
	}
}

func (l *ladder) step(s *Step) {
	newDay := !s.At.IsZero() && s.At.Format(dateLayout) != l.day
	if l.last > 1 && !newDay {
		// A blank row after a step of several rows, so that it reads as
		// one.
		l.write(l.row())
	}
	start := l.rows
	defer func() { l.last = l.rows - start }()
	if !s.At.IsZero() {
		if newDay {
			l.day = s.At.Format(dateLayout)
			l.gutter = l.day
			l.write(l.row())
		}
		if t := s.At.Format(timeLayout); t != l.time {
			l.time = t
			l.gutter = t
		}
	}
	switch s.Kind {
	case Message:
		l.message(s)
	case Decision:
		i := lane(s.From)
		_, w := l.region(i)
		l.text(i, 0, wrap(decisionText(s), w, 2), pick(s.OK, bold))
	case Event:
		_, w := l.region(3)
		l.text(3, 0, wrap(eventText(s), w, 3), pick(s.OK, statusStyle(s.Status)))
		if s.Text != "" {
			l.text(3, 3, wrap(s.Text, w-3, 0), pick(s.OK, dim))
		}
		if len(s.Fields) > 0 {
			l.text(3, 3, pack(s.Fields, w-3), pick(s.OK, plain))
		}
	default: // Note
		i := lane(s.From)
		_, w := l.region(i)
		l.text(i, 0, wrap(noteText(s), w, 2), pick(s.OK, plain))
		if len(s.Fields) > 0 {
			l.text(i, 2, pack(s.Fields, w-2), pick(s.OK, plain))
		}
	}
}

func (l *ladder) message(s *Step) {
	st := pick(s.OK, protocolStyle(s.Protocol))
	label := arrowLabel(s)
	from, to := l.at(s.From), l.at(s.To)
	if from == to {
		i := lane(s.From)
		_, w := l.region(i)
		l.text(i, 0, wrap(label, w, 2), st)
		if len(s.Fields) > 0 {
			l.text(i, 2, pack(s.Fields, w-2), pick(s.OK, plain))
		}
		return
	}
	lo, hi := min(from, to), max(from, to)
	// The lanes the arrow crosses; the widest takes what does not fit on
	// the arrow.
	a, b := min(lane(s.From), lane(s.To)), max(lane(s.From), lane(s.To))
	if s.From > GGSN || s.To > GGSN {
		b = 4
	}
	i := l.widest(a, b)
	_, w := l.region(i)
	n := hi - lo - 1
	L := utf8.RuneCountInString(label)
	inline := L+6 <= n
	if !inline {
		l.text(i, 0, wrap(label, w, 2), st)
	}
	row := l.row()
	for c := lo + 1; c < hi; c++ {
		row[c] = cell{'-', st}
	}
	row[lo].r, row[hi].r = '|', '|'
	if from < to {
		row[hi-1].r = '>'
	} else {
		row[lo+1].r = '<'
	}
	if inline {
		at := lo + 1 + (n-L)/2
		put(row, at-1, " "+label+" ", st)
	}
	l.write(row)
	if len(s.Fields) > 0 {
		l.text(i, 1, pack(s.Fields, w-1), pick(s.OK, plain))
	}
}

func pick(ok bool, s style) style {
	if !ok {
		return red
	}
	return s
}

func protocolStyle(p Protocol) style {
	switch p {
	case S6a:
		return blue
	case S6d:
		return cyan
	case Gn:
		return magenta
	}
	return plain
}

func statusStyle(status string) style {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "ATTACHED", "ONLINE":
		return green
	case "OFFLINE", "BLOCKED":
		return yellow
	}
	return bold
}

// write writes a row, without its trailing spaces, coloured if asked.
func (l *ladder) write(row []cell) {
	end := len(row)
	for end > 0 && row[end-1].r == ' ' {
		end--
	}
	cur := plain
	for _, c := range row[:end] {
		if l.color && c.s != cur {
			if cur != plain {
				l.bw.WriteString("\x1b[0m")
			}
			if c.s != plain {
				l.bw.WriteString("\x1b[" + sgr[c.s] + "m")
			}
			cur = c.s
		}
		l.bw.WriteRune(c.r)
	}
	if cur != plain {
		l.bw.WriteString("\x1b[0m")
	}
	l.bw.WriteByte('\n')
	l.rows++
}

// clean makes s one line of printable text: control characters (escape
// sequences among them) become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// pack packs fields ("Key: Value") onto lines of at most width runes, two
// spaces apart. A field too long for a line has its key on a line and its
// value wrapped on the next ones, indented by two.
func pack(fields []Field, width int) []string {
	var lines []string
	cur, n := "", 0
	for _, f := range fields {
		t := fieldText(f)
		m := utf8.RuneCountInString(t)
		if cur != "" && n+2+m <= width {
			cur += "  " + t
			n += 2 + m
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur, n = "", 0
		}
		switch {
		case m <= width:
			cur, n = t, m
		case f.Key == "":
			lines = append(lines, wrap(t, width, 2)...)
		default:
			lines = append(lines, wrap(clean(f.Key)+":", width, 2)...)
			pad := "  "
			if width < 4 {
				pad = ""
			}
			for _, v := range wrap(f.Value, width-len(pad), 0) {
				lines = append(lines, pad+v)
			}
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// wrap breaks s into lines of at most width runes: at a space where it
// can, else after a punctuation mark, else anywhere; lines after the first
// are indented by indent spaces (counted in the width). A newline in s
// starts a new line. Nothing is dropped but the spaces at the breaks.
func wrap(s string, width, indent int) []string {
	var lines []string
	width = max(width, 1)
	if indent >= width {
		indent = 0
	}
	pad := strings.Repeat(" ", indent)
	for p, para := range strings.Split(s, "\n") {
		rest := []rune(strings.TrimSpace(clean(para)))
		if p > 0 && len(rest) == 0 {
			continue
		}
		for {
			w, prefix := width, ""
			if len(lines) > 0 {
				w, prefix = width-indent, pad
			}
			w = max(w, 1)
			if len(rest) <= w {
				lines = append(lines, prefix+string(rest))
				break
			}
			// At the last space, unless a punctuation mark much further
			// on makes a fuller line.
			cut, skip := w, 0
			sp := lastIndex(rest[:w+1], func(r rune) bool { return r == ' ' })
			pm := lastIndex(rest[:w], func(r rune) bool { return strings.ContainsRune("-,/;:._=&)]", r) })
			switch {
			case sp > 0 && (sp >= w/2 || pm+1 <= sp):
				cut, skip = sp, 1
			case pm >= 0 && pm+1 >= w/3:
				cut = pm + 1
			case sp > 0:
				cut, skip = sp, 1
			}
			lines = append(lines, prefix+strings.TrimRight(string(rest[:cut]), " "))
			rest = []rune(strings.TrimLeft(string(rest[cut+skip:]), " "))
			if len(rest) == 0 {
				break
			}
		}
	}
	return lines
}

func lastIndex(rs []rune, f func(rune) bool) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if f(rs[i]) {
			return i
		}
	}
	return -1
}
