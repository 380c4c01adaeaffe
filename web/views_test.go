package web

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pageViews is the data each page template is executed with.
var pageViews = map[string]any{
	"finder": finderView{}, "intervention": interventionView{}, "studies": studiesView{},
	"study": studyView{}, "map": mapView{}, "about": aboutView{}, "problems": problemsView{},
	"error": errorView{},
}

// No name a template can write means two things: in a page's data, or in any value the
// data holds, a field or method is never shadowed by one of the same name at another depth
// of embedding. Go lets the shallower one win quietly, and a template that meant the other
// prints the wrong value: the intervention page printed its evidence summary, a struct,
// where it meant the intervention's summary, a sentence.
func TestTemplateDataNamesAreUnambiguous(t *testing.T) {
	for _, name := range pageNames {
		if _, ok := pageViews[name]; !ok {
			t.Errorf("page %q has no view in pageViews", name)
		}
	}
	var views []any
	for _, name := range pageNames {
		views = append(views, pageViews[name])
	}
	namesAreUnambiguous(t, views...)
}

// namesAreUnambiguous fails the test for every name that, in the views or any value they
// hold, reaches two fields or methods at different depths of embedding.
func namesAreUnambiguous(t *testing.T, views ...any) {
	t.Helper()
	seen := map[reflect.Type]bool{}
	var check func(reflect.Type)
	check = func(ty reflect.Type) {
		ty = structOf(ty)
		if ty == nil || seen[ty] || !strings.HasPrefix(ty.PkgPath(), "github.com/evidence-kb/") {
			return
		}
		seen[ty] = true
		names := map[string][]string{}
		reachableNames(ty, "", names, map[reflect.Type]bool{})
		for _, n := range slices.Sorted(maps.Keys(names)) {
			if where := names[n]; len(where) > 1 {
				t.Errorf("in %s, .%s names %s", ty, n, strings.Join(where, " and "))
			}
		}
		for i := range ty.NumField() {
			check(ty.Field(i).Type)
		}
	}
	for _, v := range views {
		check(reflect.TypeOf(v))
	}
}

// structOf is the struct a field of type t leads a template to: through pointers, slices,
// arrays and map values; nil when there is none.
func structOf(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			return t
		default:
			return nil
		}
	}
}

// reachableNames records, for every exported field and method a template can reach on a
// struct of type t, where it is declared: t's own, and those of its embedded structs, at
// any depth. A name recorded twice is ambiguous to a reader of the template.
func reachableNames(t reflect.Type, path string, out map[string][]string, visiting map[reflect.Type]bool) {
	if visiting[t] {
		return
	}
	visiting[t] = true
	defer delete(visiting, t)
	promoted := map[string]bool{} // methods an embedded struct declares, recorded below it
	for i := range t.NumField() {
		f := t.Field(i)
		if f.IsExported() {
			out[f.Name] = append(out[f.Name], fmt.Sprintf("field %s%s (%s)", path, f.Name, f.Type))
		}
		if !f.Anonymous {
			continue
		}
		embedded := f.Type
		if embedded.Kind() == reflect.Pointer {
			embedded = embedded.Elem()
		}
		for j := range reflect.PointerTo(embedded).NumMethod() {
			promoted[reflect.PointerTo(embedded).Method(j).Name] = true
		}
		if embedded.Kind() == reflect.Struct {
			reachableNames(embedded, path+f.Name+".", out, visiting)
		}
	}
	// a template reaches the methods of *T on an addressable value (a slice element)
	for j := range reflect.PointerTo(t).NumMethod() {
		if m := reflect.PointerTo(t).Method(j); !promoted[m.Name] {
			out[m.Name] = append(out[m.Name], fmt.Sprintf("method %s%s", path, m.Name))
		}
	}
}
