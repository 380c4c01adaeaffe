package httpio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// DecodeRecord decodes a JSON object into the struct dst field by field, so that it can
// name every unknown field and every value of the wrong type, not just the first. err is
// set when the body is not a JSON object at all.
func DecodeRecord(body []byte, dst any) (problems []models.FieldError, err error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, errors.New("the body is not a JSON object")
	}
	v := reflect.ValueOf(dst).Elem()
	byName := map[string]int{}
	var known []string
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			byName[name] = i
			known = append(known, name)
		}
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		i, ok := byName[name]
		if !ok {
			problems = append(problems, models.FieldError{Field: name, Reason: "is not a field of this record", Valid: known})
			continue
		}
		field := v.Field(i).Addr().Interface()
		err := decodeField(obj[name], field)
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && strings.HasPrefix(te.Value, "number") {
			// JSON Schema counts 2010.0 an integer, so the contract does too
			if whole, ok := wholeNumbers(obj[name]); ok {
				err = decodeField(whole, field)
			}
		}
		if err != nil {
			problems = append(problems, models.FieldError{Field: name, Reason: describe(err)})
		}
	}
	return problems, nil
}

func decodeField(raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// maxExactInteger is the largest integer a JSON number holds exactly as a double (2^53).
const maxExactInteger = 1 << 53

// wholeNumbers rewrites the numbers of raw that are whole but written with a fraction or
// an exponent (2010.0, 2.01e3) as integers, and says whether it rewrote any.
func wholeNumbers(raw json.RawMessage) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	changed := false
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			f, err := v.Float64()
			if err == nil && strings.ContainsAny(string(v), ".eE") && f == math.Trunc(f) && math.Abs(f) <= maxExactInteger {
				changed = true
				return json.Number(strconv.FormatInt(int64(f), 10))
			}
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		case map[string]any:
			for k := range v {
				v[k] = walk(v[k])
			}
		}
		return v
	}
	v = walk(v)
	if !changed {
		return nil, false
	}
	out, err := json.Marshal(v)
	return out, err == nil
}

// describe words a JSON decoding error for the field it concerns.
func describe(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := ""
		if te.Field != "" {
			where = " at " + te.Field
		}
		return fmt.Sprintf("has a %s%s where %s is needed", te.Value, where, jsonKind(te.Type))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(jsonKind(t.Elem()), "a ")
	}
	return "an object"
}

// MergePatch applies a JSON Merge Patch (RFC 7386) to a JSON document: members of the
// patch replace the target's, null removes them, and objects merge recursively.
func MergePatch(target, patch []byte) ([]byte, error) {
	var t, p any
	if err := json.Unmarshal(target, &t); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, errors.New("the body is not JSON")
	}
	return json.Marshal(mergePatch(t, p))
}

func mergePatch(target, patch any) any {
	po, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	to, ok := target.(map[string]any)
	if !ok {
		to = map[string]any{}
	}
	for k, v := range po {
		if v == nil {
			delete(to, k)
		} else {
			to[k] = mergePatch(to[k], v)
		}
	}
	return to
}
