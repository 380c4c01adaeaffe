package models

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ParseDataset decodes a dataset document strictly: an unknown field is an error, so a
// curator's typo cannot silently drop data.
func ParseDataset(b []byte) (*Dataset, error) {
	var d Dataset
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("parse dataset: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse dataset: trailing data after the document")
	}
	return &d, nil
}

// DocumentVersion is the content hash that identifies a dataset document.
func DocumentVersion(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// DocumentVersionOf is DocumentVersion of what r reads, without holding it in memory.
func DocumentVersionOf(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// EncodeDataset writes a dataset document as the curated file is written: two-space
// indents, no HTML escaping, a final newline.
func EncodeDataset(d *Dataset) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode dataset: %w", err)
	}
	return buf.Bytes(), nil
}

// Normalize makes a record's absent lists empty, as the store returns them.
func (s *Study) Normalize() {
	for _, l := range []*[]string{&s.Authors, &s.KeyFindings, &s.Themes, &s.Strands, &s.DisadvantageFocus, &s.Interventions, &s.VerifiedIn} {
		if *l == nil {
			*l = []string{}
		}
	}
}

// Normalize makes an intervention's absent lists empty, as the store returns them.
func (iv *Intervention) Normalize() {
	for _, l := range []*[]string{&iv.Aliases, &iv.Themes, &iv.Strands, &iv.DisadvantageFocus, &iv.VerifiedIn} {
		if *l == nil {
			*l = []string{}
		}
	}
	if iv.Evidence == nil {
		iv.Evidence = []Evidence{}
	}
}
