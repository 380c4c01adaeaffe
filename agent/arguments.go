package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A tool's arguments are checked against its input schema by the schema package the SDK
// uses (github.com/google/jsonschema-go), whose errors read "validating root: validating
// /properties/limit: maximum: 500/1 is greater than 100.000000". argumentProblem says the
// same as the tools' own errors do: which argument, and why ("invalid argument \"limit\":
// must be at most 100").

// guard is the server middleware that keeps a panic in any handler from ending the
// process (the SDK does not recover them): it is logged and answered as an internal error.
func (a *agent) guard(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (res mcp.Result, err error) {
		defer func() {
			if v := recover(); v != nil {
				a.opts.Logger.Error("mcp handler panicked", "method", method, "value", v, "stack", string(debug.Stack()))
				res, err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the evidence base could not answer this request; it has been logged"}
			}
		}()
		return next(ctx, method, req)
	}
}

// argumentProblem rewords one schema validation error; any other text is left as it is.
// arguments are the tool's arguments, named when a call gives one it does not take.
func argumentProblem(text string, arguments []string) string {
	rest, ok := strings.CutPrefix(text, `validating "arguments": `)
	if !ok {
		if rest, ok := strings.CutPrefix(text, "unmarshaling arguments: "); ok {
			return "the arguments are not a JSON object: " + rest
		}
		return text
	}
	// the validator wraps its error once per schema on the way down: the last property
	// named is the argument at fault
	arg := ""
	for strings.HasPrefix(rest, "validating ") {
		path, after, ok := strings.Cut(strings.TrimPrefix(rest, "validating "), ": ")
		if !ok {
			break
		}
		if p, ok := strings.CutPrefix(path, "/properties/"); ok {
			arg, _, _ = strings.Cut(p, "/")
		}
		rest = after
	}
	var reason string
	switch m := matchAny(rest); {
	case m == nil:
		reason = rest
	case m.kind == "additional":
		var names []string
		if json.Unmarshal([]byte(m.groups[0]), &names) != nil {
			break
		}
		takes := "no arguments"
		if len(arguments) > 0 {
			takes = "its arguments are " + strings.Join(arguments, ", ")
		}
		var parts []string
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("invalid argument %q: this tool takes no such argument (%s)", n, takes))
		}
		return strings.Join(parts, "; ")
	case m.kind == "required":
		var names []string
		if json.Unmarshal([]byte(m.groups[0]), &names) != nil {
			break
		}
		var parts []string
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("invalid argument %q: is required", n))
		}
		return strings.Join(parts, "; ")
	case m.kind == "enum":
		values := strings.Fields(strings.Trim(m.groups[1], "[]"))
		reason = fmt.Sprintf("%q is not one of its values (valid: %s)", m.groups[0], strings.Join(values, ", "))
	case m.kind == "type":
		reason = fmt.Sprintf("must be %s, not %s", oneOfTypes(m.groups[2]), article(m.groups[1]))
	case m.kind == "minimum":
		reason = "must be at least " + number(m.groups[0])
	case m.kind == "maximum":
		reason = "must be at most " + number(m.groups[0])
	case m.kind == "minItems":
		reason = "must hold at least " + m.groups[0]
	case m.kind == "maxItems":
		reason = "must hold at most " + m.groups[0]
	}
	if reason == "" {
		reason = rest
	}
	if arg == "" {
		return "invalid arguments: " + reason
	}
	return fmt.Sprintf("invalid argument %q: %s", arg, reason)
}

type schemaMatch struct {
	kind   string
	groups []string
}

// schemaErrors are the validator's messages (github.com/google/jsonschema-go) the tools'
// schemas can give rise to.
var schemaErrors = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"additional", regexp.MustCompile(`^unexpected additional properties (\[.*\])$`)},
	{"required", regexp.MustCompile(`^required: missing properties: (\[.*\])$`)},
	{"enum", regexp.MustCompile(`^enum: (.*) does not equal any of: (\[.*\])$`)},
	{"type", regexp.MustCompile(`^type: (.*) has type "(\w+)", want (.+)$`)},
	{"minimum", regexp.MustCompile(`^minimum: \S+ is less than (\S+)$`)},
	{"maximum", regexp.MustCompile(`^maximum: \S+ is greater than (\S+)$`)},
	{"minItems", regexp.MustCompile(`^minItems: array length \d+ is less than (\d+)$`)},
	{"maxItems", regexp.MustCompile(`^maxItems: array length \d+ is greater than (\d+)$`)},
}

func matchAny(s string) *schemaMatch {
	for _, e := range schemaErrors {
		if m := e.re.FindStringSubmatch(s); m != nil {
			return &schemaMatch{kind: e.kind, groups: m[1:]}
		}
	}
	return nil
}

// number formats the validator's %f bound ("100.000000") as the number it is.
func number(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// oneOfTypes words the type a value should have had: "integer", or one of ["null","array"]
// (an optional list: null stands for leaving it out).
func oneOfTypes(want string) string {
	var types []string
	if strings.HasPrefix(want, "one of ") {
		_ = json.Unmarshal([]byte(strings.TrimPrefix(want, "one of ")), &types)
		if len(types) == 0 {
			types = strings.Fields(strings.Trim(strings.TrimPrefix(want, "one of "), "[]"))
			for i := range types {
				types[i] = strings.Trim(types[i], `"`)
			}
		}
	} else if t, err := strconv.Unquote(want); err == nil {
		types = []string{t}
	} else {
		return want
	}
	types = slices.DeleteFunc(types, func(t string) bool { return t == "null" })
	for i, t := range types {
		types[i] = article(t)
	}
	return strings.Join(types, " or ")
}

func article(t string) string {
	switch t {
	case "array", "object", "integer":
		return "an " + t
	}
	return "a " + t
}
