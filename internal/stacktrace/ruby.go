package stacktrace

import (
	"regexp"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Ruby reads Exception#full_message(highlight: false, order: :top), which the OTel Ruby SDK
// records, and plain backtraces (one "path:line:in 'label'" per line, as Rails logs them):
//
//	/app/models/order.rb:12:in 'Order#total': undefined method 'price' for nil (NoMethodError)
//		from /app/controllers/orders_controller.rb:8:in 'block in OrdersController#create'
//		from /usr/local/bundle/gems/actionpack-7.1.3/lib/action_controller/metal.rb:227:in 'dispatch'
//	/app/models/price.rb:3:in 'Price.parse': invalid value for Integer(): "x" (ArgumentError)
//		from /app/models/order.rb:11:in 'Order#total'
//
// Ruby before 3.4 quotes labels with a backtick and leaves out the class ("`block in create'").
// Each header line (the first frame, then ": message (Type)") starts an exception; the causes
// follow the exception they caused, so the chain is the reverse of the print order. Frames are
// filled like sentry-ruby's: a "Class#method" label gives module and function, gem and stdlib
// files a load-path-relative filename.

var (
	rubyFrame = regexp.MustCompile("^(?:from )?(.+?):(\\d+)(?::in [`'](.*?)')?(?:: (.*))?$")
	// rubyLabel is "Mod::Class#method" or "Mod::Class.method" after an optional block/rescue prefix.
	rubyLabel = regexp.MustCompile(`^((?:block (?:\(\d+ levels\) )?|rescue |ensure )in )?([A-Z]\w*(?:::[A-Z]\w*)*)[#.](.+)$`)
	// rubyMessageType is the "(Type)" closing the first line of a message.
	rubyMessageType = regexp.MustCompile(`^(?:(.*) )?\(([A-Z]\w*(?:::[A-Z]\w*)*)\)$`)
	// rubyGem is a gem's folder up to its lib: ".../gems/puma-6.4.0/lib/".
	rubyGem    = regexp.MustCompile(`/gems/[^/]+/(?:lib/)?`)
	rubyStdlib = regexp.MustCompile(`/lib/ruby/\d+\.\d+\.\d+/`)
)

func parseRuby(lines []string, opts Options) (Trace, bool) {
	var printed []Exception // outermost first
	frames := 0
	inMessage := false
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		f, message, isHeader, ok := rubyLine(trimmed, opts)
		if ok {
			if isHeader || len(printed) == 0 {
				e := Exception{}
				if isHeader {
					e.Type, e.Value = rubyHeader(message)
				}
				printed = append(printed, e)
			}
			last := &printed[len(printed)-1]
			last.Frames = append(last.Frames, f)
			frames++
			inMessage = isHeader
			continue
		}
		if strings.HasPrefix(trimmed, "... ") && strings.HasSuffix(trimmed, " levels...") {
			continue
		}
		if inMessage {
			// The lines of a multi-line message after its first, before the "from" lines.
			last := &printed[len(printed)-1]
			last.Value += "\n" + trimmed
		}
	}
	if frames == 0 {
		return Trace{}, false
	}
	for i := range printed {
		reverseFrames(printed[i].Frames)
	}
	for i, j := 0, len(printed)-1; i < j; i, j = i+1, j-1 {
		printed[i], printed[j] = printed[j], printed[i]
	}
	return Trace{Platform: "ruby", Exceptions: printed}, true
}

// rubyLine reads a frame line; a header line also carries the message after the label.
func rubyLine(s string, opts Options) (f event.Frame, message string, isHeader, ok bool) {
	m := rubyFrame.FindStringSubmatch(s)
	if m == nil {
		return event.Frame{}, "", false, false
	}
	path, label := m[1], m[3]
	hasLabel := strings.Contains(s, ":in ")
	if !hasLabel && !strings.HasSuffix(path, ".rb") {
		return event.Frame{}, "", false, false
	}
	if strings.ContainsAny(path, " \t") && !strings.HasPrefix(path, "/") {
		return event.Frame{}, "", false, false
	}
	f = event.Frame{Function: label, Lineno: atoi(m[2]), Filename: path, AbsPath: path}
	if lm := rubyLabel.FindStringSubmatch(label); lm != nil {
		f.Module, f.Function = lm[2], lm[1]+lm[3]
	}
	slashed := strings.ReplaceAll(path, `\`, "/")
	library := strings.HasPrefix(path, "<internal:") || strings.Contains(slashed, "/vendor/bundle/") ||
		strings.Contains(slashed, "/rubygems/")
	if loc := rubyGem.FindStringIndex(slashed); loc != nil {
		f.Filename, library = slashed[loc[1]:], true
	} else if loc := rubyStdlib.FindStringIndex(slashed); loc != nil {
		f.Filename, library = slashed[loc[1]:], true
	}
	if strings.HasPrefix(path, "<internal:") {
		f.AbsPath = ""
	}
	f.InApp = boolPtr(opts.hasAppPath(slashed) || opts.hasAppPrefix(f.Module) || !library)
	return f, m[4], !strings.HasPrefix(s, "from ") && m[4] != "", true
}

// rubyHeader splits "undefined method 'price' for nil (NoMethodError)" into type and message.
func rubyHeader(message string) (typ, value string) {
	if m := rubyMessageType.FindStringSubmatch(message); m != nil {
		return m[2], m[1]
	}
	return "", message
}
