package httpio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
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
		dec := json.NewDecoder(bytes.NewReader(obj[name]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v.Field(i).Addr().Interface()); err != nil {
			problems = append(problems, models.FieldError{Field: name, Reason: describe(err)})
		}
	}
	return problems, nil
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
