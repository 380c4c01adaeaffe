package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/evidence-kb/parental-engagement/models"
)

// stream is the body every document encoder but CSV shares: records formatted one by one and
// written through a buffer, with what opens the document before the first record, what
// separates two, and what closes it after the last.
type stream[T any] struct {
	w                *bufio.Writer
	record           func(T) (string, error)
	open, sep, close string
	n                int
}

func newStream[T any](w io.Writer, record func(T) (string, error)) *stream[T] {
	return &stream[T]{w: bufio.NewWriter(w), record: record}
}

func (s *stream[T]) Encode(v T) error {
	text, err := s.record(v)
	if err != nil {
		return err
	}
	if s.n == 0 {
		s.w.WriteString(s.open)
	} else {
		s.w.WriteString(s.sep)
	}
	s.n++
	_, err = s.w.WriteString(text) // a bufio.Writer keeps its first error, so this one tells
	return err
}

func (s *stream[T]) Close() error {
	if s.n == 0 {
		s.w.WriteString(s.open)
	}
	s.w.WriteString(s.close)
	return s.w.Flush()
}

// newCitations streams studies, each formatted with its citation key by entry, with sep
// between two.
func newCitations(w io.Writer, keys Keys, entry func(models.Study, string) string, sep string) *stream[models.Study] {
	s := newStream(w, func(st models.Study) (string, error) { return entry(st, keys.Of(st)), nil })
	s.sep = sep
	return s
}

// NewNDJSON writes records as newline-delimited JSON: each record on one line, in the
// same shape as in the JSON API.
func NewNDJSON[T any](w io.Writer) Encoder[T] {
	return newStream(w, func(v T) (string, error) { return marshal(v) })
}

// marshal encodes v as one line of JSON, newline included. It leaves <, > and & as they
// are, as the JSON API does, since the output is data, not HTML.
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return b.String(), nil
}
