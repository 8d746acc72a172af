package sink

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Writer writes records as NDJSON, one object a line: stdout or a file,
// with optional rotation by size.
type Writer struct {
	name   string
	path   string // "" for a writer that is not a file
	w      *bufio.Writer
	out    io.Writer // what w writes to: runs of lines go to it directly
	f      *os.File
	closer io.Closer
	size   int64 // bytes in the current file
	rotate int64 // rotate once a file reaches this size; 0 never
	keep   int   // rotated files kept: PATH.1 (newest) ... PATH.keep
}

// NewWriter writes to w (stdout, a test's buffer). It closes w on Close
// if w is an io.Closer other than stdout and stderr.
func NewWriter(name string, w io.Writer) *Writer {
	s := &Writer{name: name, w: bufio.NewWriterSize(w, 256<<10), out: w}
	if c, ok := w.(io.Closer); ok && w != os.Stdout && w != os.Stderr {
		s.closer = c
	}
	return s
}

// NewFile creates (or truncates) the file of a file:PATH spec. Options:
// rotate=SIZE starts a new file once one reaches SIZE, renaming the full
// one PATH.1 (and PATH.1 to PATH.2, ...); keep=N keeps N rotated files
// (default 10), removing older ones.
func NewFile(spec Spec) (*Writer, error) {
	if err := spec.Check("rotate", "keep"); err != nil {
		return nil, err
	}
	rotate, err := spec.Size("rotate", 0)
	if err != nil {
		return nil, err
	}
	keep, err := spec.Int("keep", 10, 1)
	if err != nil {
		return nil, err
	}
	if _, ok := spec.Get("keep"); ok && rotate == 0 {
		return nil, spec.Errorf("keep", "only with rotate=SIZE")
	}
	s := &Writer{name: spec.Name(), path: spec.Target, rotate: rotate, keep: keep}
	if err := s.open(); err != nil {
		return nil, spec.Errorf("", "%v", err)
	}
	return s, nil
}

func (s *Writer) open() error {
	f, err := os.Create(s.path)
	if err != nil {
		return err
	}
	s.f, s.closer, s.out, s.size = f, f, f, 0
	if s.w == nil {
		s.w = bufio.NewWriterSize(f, 256<<10)
	} else {
		s.w.Reset(f)
	}
	return nil
}

// Send writes the records; a file is rotated between records, never
// within one. Consecutive records laid out as lines in place (Line) are
// written as one run, from where they are.
func (s *Writer) Send(_ context.Context, recs []Record) error {
	var run []byte // lines in place not yet written
	for i := range recs {
		r := &recs[i]
		n := int64(len(r.Value)) + 1
		if s.rotate > 0 && s.size > 0 && s.size+n > s.rotate {
			if err := s.write(run); err != nil {
				return err
			}
			run = nil
			if err := s.rotateNow(); err != nil {
				return Permanent(err)
			}
		}
		s.size += n
		if l := r.Line; l != nil {
			if len(run) > 0 && cap(run)-len(run) >= len(l) && &run[:len(run)+1][len(run)] == &l[0] {
				run = run[:len(run)+len(l)] // l follows run
				continue
			}
			if err := s.write(run); err != nil {
				return err
			}
			run = l
			continue
		}
		if err := s.write(run); err != nil {
			return err
		}
		run = nil
		s.w.Write(r.Value)
		if err := s.w.WriteByte('\n'); err != nil {
			return Permanent(fmt.Errorf("writing: %w", err))
		}
	}
	return s.write(run)
}

// directRun is the least run of lines written straight to the output
// rather than copied into the buffer first.
const directRun = 32 << 10

// write writes a run of lines: a long one straight to the output, after
// what is buffered.
func (s *Writer) write(run []byte) error {
	if len(run) == 0 {
		return nil
	}
	if len(run) < directRun {
		if _, err := s.w.Write(run); err != nil {
			return Permanent(fmt.Errorf("writing: %w", err))
		}
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return Permanent(fmt.Errorf("writing: %w", err))
	}
	if _, err := s.out.Write(run); err != nil {
		return Permanent(fmt.Errorf("writing: %w", err))
	}
	return nil
}

func (s *Writer) rotateNow() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", s.path, err)
	}
	os.Remove(s.rotated(s.keep))
	for i := s.keep - 1; i >= 1; i-- {
		if err := os.Rename(s.rotated(i), s.rotated(i+1)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("rotating: %w", err)
		}
	}
	if err := os.Rename(s.path, s.rotated(1)); err != nil {
		return fmt.Errorf("rotating: %w", err)
	}
	return s.open()
}

func (s *Writer) rotated(i int) string {
	return filepath.Clean(s.path) + "." + strconv.Itoa(i)
}

// Flush writes out what is buffered.
func (s *Writer) Flush() error { return s.w.Flush() }

// Close flushes and closes the file.
func (s *Writer) Close() error {
	err := s.w.Flush()
	if s.closer != nil {
		if cerr := s.closer.Close(); err == nil {
			err = cerr
		}
		s.closer = nil
	}
	return err
}
