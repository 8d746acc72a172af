package sink

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// writes records every Write call it gets, copying what it was given and
// noting whether the bytes were in buf (written in place).
type writes struct {
	buf     []byte
	calls   [][]byte
	inPlace []bool
}

func (w *writes) Write(p []byte) (int, error) {
	w.calls = append(w.calls, append([]byte(nil), p...))
	at := false
	if len(p) > 0 && len(w.buf) > 0 {
		for i := range w.buf {
			if &w.buf[i] == &p[0] {
				at = true
				break
			}
		}
	}
	w.inPlace = append(w.inPlace, at)
	return len(p), nil
}

func (w *writes) all() []byte { return bytes.Join(w.calls, nil) }

// lineBatch lays out records first..last as lines (AddLine), but those
// for which plain says so with Add; each value is pad bytes long or more.
func lineBatch(first, last int64, pad int, plain func(id int64) bool) *Batch {
	b := NewBatch(KindEvent)
	for id := first; id <= last; id++ {
		filler := strings.Repeat("x", pad)
		if plain != nil && plain(id) {
			k := len(b.Buf)
			b.Buf = strconv.AppendInt(b.Buf, id*10, 10)
			v := len(b.Buf)
			b.Buf = fmt.Appendf(b.Buf, `{"id":%d,"f":"%s"}`, id, filler)
			b.Add(id, 3, false, k, v)
			continue
		}
		k, v := len(b.Keys), len(b.Buf)
		b.Keys = strconv.AppendInt(b.Keys, id*10, 10)
		b.Buf = fmt.Appendf(b.Buf, `{"id":%d,"f":"%s"}`, id, filler)
		b.Buf = append(b.Buf, '\n')
		b.AddLine(id, 3, false, k, v)
	}
	b.Seal()
	return b
}

func TestAddLineKeysAndValues(t *testing.T) {
	b := lineBatch(1, 6, 3, func(id int64) bool { return id == 4 })
	for i, r := range b.Records {
		id := int64(i + 1)
		if string(r.Key) != strconv.FormatInt(id*10, 10) {
			t.Errorf("record %d: key %q", id, r.Key)
		}
		want := fmt.Sprintf(`{"id":%d,"f":"xxx"}`, id)
		if string(r.Value) != want {
			t.Errorf("record %d: value %q, want %q", id, r.Value, want)
		}
		switch {
		case id == 4 && r.Line != nil:
			t.Errorf("record 4 (Add) has a line %q", r.Line)
		case id != 4 && string(r.Line) != want+"\n":
			t.Errorf("record %d: line %q", id, r.Line)
		}
		if cap(r.Value) != len(r.Value) || cap(r.Key) != len(r.Key) {
			t.Errorf("record %d: key or value can grow into its neighbour", id)
		}
	}
}

// The writer writes the records it is given, and no others, in order,
// whichever way they were laid out; a long run of consecutive lines goes
// to the output in one call from the batch's own buffer.
func TestWriterWritesLinesInPlace(t *testing.T) {
	for _, c := range []struct {
		name  string
		pad   int
		plain func(int64) bool
		keep  func(int64) bool
	}{
		{"all lines, long", 400, nil, nil},
		{"all lines, short", 3, nil, nil},
		{"some added plainly", 400, func(id int64) bool { return id%100 == 7 }, nil},
		{"a filtered selection", 400, nil, func(id int64) bool { return id%3 != 0 || id > 200 }},
		{"both", 400, func(id int64) bool { return id == 1 || id == 300 }, func(id int64) bool { return id != 150 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := lineBatch(1, 300, c.pad, c.plain)
			var recs []Record
			var want bytes.Buffer
			for _, r := range b.Records {
				if c.keep == nil || c.keep(r.ID) {
					recs = append(recs, r)
					want.Write(r.Value)
					want.WriteByte('\n')
				}
			}
			out := &writes{buf: b.Buf}
			w := NewWriter("test", out)
			if err := w.Send(context.Background(), recs); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := out.all(); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("wrote %d bytes, want %d:\n%.300s", len(got), want.Len(), got)
			}
			// The runs of consecutive lines long enough go in place, the
			// rest through the buffer.
			wantInPlace, run := 0, 0
			for i, r := range recs {
				if r.Line == nil {
					run = 0
					continue
				}
				if i > 0 && (recs[i-1].Line == nil || recs[i-1].ID != r.ID-1) {
					run = 0
				}
				run += len(r.Line)
				if i+1 == len(recs) || recs[i+1].Line == nil || recs[i+1].ID != r.ID+1 {
					if run >= directRun {
						wantInPlace += run
					}
				}
			}
			inPlace := 0
			for i, p := range out.calls {
				if out.inPlace[i] {
					inPlace += len(p)
				}
			}
			if inPlace != wantInPlace {
				t.Errorf("%d bytes written in place in %d calls, want %d", inPlace, len(out.calls), wantInPlace)
			}
			if c.pad > 100 && wantInPlace == 0 {
				t.Fatal("the case has no run long enough to be written in place")
			}
			if c.pad < 10 && len(out.calls) != 1 {
				t.Errorf("short lines: %d writes, want them buffered into 1", len(out.calls))
			}
		})
	}
}

// Rotation splits a run of lines between records, never within one.
func TestFileRotationOfLines(t *testing.T) {
	_, f, path := newFile(t, ";rotate=64KB;keep=20")
	b := lineBatch(1, 500, 1000, nil) // about 1 KB a line: 63 a file
	if err := f.Send(context.Background(), b.Records); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := 20; i >= 0; i-- {
		name := path
		if i > 0 {
			name = path + "." + strconv.Itoa(i)
		}
		data, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 64<<10 {
			t.Fatalf("%s has %d bytes, over rotate=64KB", name, len(data))
		}
		if len(data) == 0 || data[len(data)-1] != '\n' {
			t.Fatalf("%s does not end with a whole line", name)
		}
		lines = append(lines, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	if len(lines) != 500 {
		t.Fatalf("%d lines in the files, want 500", len(lines))
	}
	for i, l := range lines {
		if l != string(b.Records[i].Value) {
			t.Fatalf("line %d is %.40q, want %.40q", i+1, l, b.Records[i].Value)
		}
	}
}
