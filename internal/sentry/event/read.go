package event

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file reads the typed view straight from JSON text, without building a tree: Decode runs
// for every event the processor and the store touch, and a tree costs most of its time in
// writing nodes (BenchmarkDecode). The reader shares the parser's lexer, so it accepts and
// rejects exactly what parseJSON does. Where a key repeats, the last one counts, as in the tree.

// newReader prepares text for reading the way parseJSON does.
func newReader(s string) *parser {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return &parser{s: s, maxDepth: maxStoredDepth}
}

// peek returns the first byte of the next value, 0 at the end of input.
func (p *parser) peek() byte {
	p.skipWS()
	if p.pos >= len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

// scalar reads the next value. Strings, numbers and literals come back with their text; an
// object or array is skipped and comes back as its kind.
func (p *parser) scalar() (scalar, bool) {
	switch c := p.peek(); c {
	case '{':
		return scalar{kind: kindObject}, p.object(func(string) bool { return p.skip() })
	case '[':
		return scalar{kind: kindArray}, p.array(p.skip)
	case '"':
		raw, esc, ok := p.str()
		return scalar{kind: kindString, esc: esc, raw: raw}, ok
	case 't':
		return scalar{kind: kindTrue}, p.lex("true")
	case 'f':
		return scalar{kind: kindFalse}, p.lex("false")
	case 'n':
		return scalar{kind: kindNull}, p.lex("null")
	case 'N':
		return scalar{kind: kindNull}, p.lex("NaN")
	case 'I':
		return scalar{kind: kindNull}, p.lex("Infinity")
	case 0:
		return scalar{}, p.fail("unexpected end of input")
	default:
		if c == '-' && strings.HasPrefix(p.s[p.pos:], "-Infinity") {
			return scalar{kind: kindNull}, p.lex("-Infinity")
		}
		if c == '-' || (c >= '0' && c <= '9') {
			raw, ok := p.lexNumber()
			return scalar{kind: kindNumber, raw: raw}, ok
		}
		return scalar{}, p.fail("unexpected %s", describeByte(c))
	}
}

func (p *parser) lex(lit string) bool {
	if !strings.HasPrefix(p.s[p.pos:], lit) {
		return p.fail("invalid literal, expected %q", lit)
	}
	p.pos += len(lit)
	return true
}

func (p *parser) skip() bool {
	_, ok := p.scalar()
	return ok
}

// object calls fn with each key of the object at p.pos; fn must read or skip the value. A value
// that is not an object is skipped without calling fn.
func (p *parser) object(fn func(key string) bool) bool {
	if p.peek() != '{' {
		return p.skip()
	}
	return p.members('}', "object", fn)
}

// array calls fn for each element of the array at p.pos; fn must read or skip it. A value that
// is not an array is skipped without calling fn.
func (p *parser) array(fn func() bool) bool {
	if p.peek() != '[' {
		return p.skip()
	}
	return p.members(']', "array", func(string) bool { return fn() })
}

func (p *parser) members(closing byte, what string, fn func(key string) bool) bool {
	if p.depth == p.maxDepth {
		// Deeper data holds nothing the typed view reads: skipped as the tree parser skips it.
		return p.skipNested()
	}
	p.depth++
	p.pos++
	if p.peek() == closing {
		p.pos++
		p.depth--
		return true
	}
	for {
		key := ""
		if closing == '}' {
			if c := p.peek(); c != '"' {
				if c == 0 {
					return p.fail("unexpected end of input in object")
				}
				return p.fail("expected a string key, found %s", describeByte(c))
			}
			var ok bool
			if key, ok = p.stringValue(); !ok {
				return false
			}
			if p.peek() != ':' {
				return p.fail("expected ':' after object key")
			}
			p.pos++
		}
		if p.peek() == 0 {
			return p.fail("unexpected end of input")
		}
		if !fn(key) {
			return false
		}
		switch p.peek() {
		case ',':
			p.pos++
		case closing:
			p.pos++
			p.depth--
			return true
		case 0:
			return p.fail("unexpected end of input in %s", what)
		default:
			return p.fail("expected ',' or '%c' in %s, found %s", closing, what, describeByte(p.s[p.pos]))
		}
	}
}

// Typed readers for values.

func (p *parser) text(dst *string) bool {
	if p.peek() == '"' {
		var ok bool
		*dst, ok = p.stringValue()
		return ok
	}
	n, ok := p.scalar()
	*dst = n.text()
	return ok
}

func (p *parser) lenient(dst *string) bool {
	s, ok := p.lenientValue()
	*dst = s
	return ok
}

// lenientValue reads the next value as a lenient string; strings, the common case, skip the
// node that scalar builds.
func (p *parser) lenientValue() (string, bool) {
	if p.peek() == '"' {
		return p.stringValue()
	}
	n, ok := p.scalar()
	return n.lenient(), ok
}

// stringValue reads the string at p.pos as text.
func (p *parser) stringValue() (string, bool) {
	start := p.pos + 1
	end, esc, ok := p.scanString()
	raw := p.repaired
	if end >= 0 {
		raw = p.s[start:end]
	}
	if esc {
		raw = unescape(raw)
	}
	return raw, ok
}

func (p *parser) flag(dst *bool) bool {
	n, ok := p.scalar()
	*dst, _ = n.boolean()
	return ok
}

// readEvent reads the typed view of the event object at p.pos.
func (p *parser) readEvent() (*Event, error) {
	ev := &Event{}
	var logEntry, message *LogEntry
	ok := p.object(func(key string) bool {
		switch key {
		case "event_id":
			return p.text(&ev.EventID)
		case "type":
			return p.text(&ev.Type)
		case "platform":
			return p.text(&ev.Platform)
		case "logger":
			return p.text(&ev.Logger)
		case "release":
			return p.lenient(&ev.Release)
		case "dist":
			return p.lenient(&ev.Dist)
		case "environment":
			return p.lenient(&ev.Environment)
		case "server_name":
			return p.lenient(&ev.ServerName)
		case "transaction":
			return p.lenient(&ev.Transaction)
		case "culprit":
			return p.lenient(&ev.Culprit)
		case "checksum":
			return p.lenient(&ev.Checksum)
		case "template":
			ev.Template = nil
			if p.peek() != '{' {
				return p.skip()
			}
			tp := &Template{}
			ev.Template = tp
			return p.object(func(k string) bool {
				switch k {
				case "filename":
					return p.lenient(&tp.Filename)
				case "abs_path":
					return p.lenient(&tp.AbsPath)
				case "context_line":
					return p.lenient(&tp.ContextLine)
				case "lineno":
					n, ok := p.scalar()
					if l, isInt := n.int(); isInt {
						tp.Lineno = int(l)
					}
					return ok
				}
				return p.skip()
			})
		case "csp", "hpkp", "expectct", "expectstaple":
			ev.Security = nil
			if p.peek() != '{' {
				return p.skip()
			}
			r := &SecurityReport{Kind: key}
			ev.Security = r
			return p.object(func(k string) bool {
				switch k {
				case "hostname":
					return p.lenient(&r.Hostname)
				case "blocked_uri":
					return p.lenient(&r.BlockedURI)
				case "violated_directive":
					return p.lenient(&r.ViolatedDirective)
				case "effective_directive":
					return p.lenient(&r.EffectiveDirective)
				case "document_uri":
					return p.lenient(&r.DocumentURI)
				}
				return p.skip()
			})
		case "timestamp", "received", "level":
			n, ok := p.scalar()
			switch key {
			case "timestamp":
				ev.Timestamp, _ = readTimestamp(n)
			case "received":
				ev.Received, _ = readTimestamp(n)
			default:
				ev.Level, _ = parseLevel(n)
			}
			return ok
		case "logentry":
			return p.readLogEntry(&logEntry)
		case "message":
			return p.readLogEntry(&message)
		case "exception":
			var bare Exception
			return p.readValues(
				func() { ev.Exceptions, bare = nil, Exception{} },
				func() bool {
					ev.Exceptions = append(ev.Exceptions, Exception{})
					ex := &ev.Exceptions[len(ev.Exceptions)-1]
					return p.object(func(k string) bool { return p.readException(ex, k) })
				},
				func(k string) bool { return p.readException(&bare, k) },
				func() { ev.Exceptions = []Exception{bare} })
		case "threads":
			var bare Thread
			return p.readValues(
				func() { ev.Threads, bare = nil, Thread{} },
				func() bool {
					ev.Threads = append(ev.Threads, Thread{})
					th := &ev.Threads[len(ev.Threads)-1]
					return p.object(func(k string) bool { return p.readThread(th, k) })
				},
				func(k string) bool { return p.readThread(&bare, k) },
				func() { ev.Threads = []Thread{bare} })
		case "stacktrace":
			return p.readStacktrace(&ev.Stacktrace)
		case "fingerprint":
			ev.Fingerprint = nil
			if p.peek() != '[' {
				return p.skip()
			}
			ev.Fingerprint = []string{}
			return p.array(func() bool {
				n, ok := p.scalar()
				if n.kind != kindNull {
					ev.Fingerprint = append(ev.Fingerprint, n.lenient())
				}
				return ok
			})
		case "tags":
			return p.readTags(&ev.Tags)
		case "user":
			ev.User = nil
			if p.peek() != '{' {
				return p.skip()
			}
			u := &User{}
			ev.User = u
			return p.object(func(k string) bool {
				switch k {
				case "id":
					return p.lenient(&u.ID)
				case "email":
					return p.lenient(&u.Email)
				case "ip_address":
					return p.lenient(&u.IPAddress)
				case "username":
					return p.lenient(&u.Username)
				case "name":
					return p.lenient(&u.Name)
				}
				return p.skip()
			})
		case "request":
			ev.Request = nil
			if p.peek() != '{' {
				return p.skip()
			}
			r := &Request{}
			ev.Request = r
			return p.object(func(k string) bool {
				switch k {
				case "method":
					return p.lenient(&r.Method)
				case "url":
					return p.lenient(&r.URL)
				}
				return p.skip()
			})
		case "sdk":
			ev.SDK = nil
			if p.peek() != '{' {
				return p.skip()
			}
			s := &SDK{}
			ev.SDK = s
			return p.object(func(k string) bool {
				switch k {
				case "name":
					return p.lenient(&s.Name)
				case "version":
					return p.lenient(&s.Version)
				}
				return p.skip()
			})
		case "contexts":
			ev.Trace = TraceContext{}
			return p.object(func(k string) bool {
				if k != "trace" {
					return p.skip()
				}
				ev.Trace = TraceContext{}
				return p.readTrace(&ev.Trace)
			})
		case "debug_meta":
			ev.DebugImages = nil
			return p.object(func(k string) bool {
				if k != "images" {
					return p.skip()
				}
				ev.DebugImages = nil
				return p.array(func() bool {
					if p.peek() != '{' {
						return p.skip()
					}
					ev.DebugImages = append(ev.DebugImages, DebugImage{})
					return p.readImage(&ev.DebugImages[len(ev.DebugImages)-1])
				})
			})
		}
		return p.skip()
	})
	if !ok {
		return nil, p.err
	}
	ev.LogEntry = logEntry
	if ev.LogEntry == nil {
		ev.LogEntry = message
	}
	if ev.ServerName == "" {
		for _, t := range ev.Tags {
			if t.Key == "server_name" {
				ev.ServerName = t.Value
			}
		}
	}
	return ev, nil
}

// readValues reads a Values container (exception, threads) in any of its shapes: a list, an
// object with "values", or one bare object, in one pass. reset empties the result (a repeated
// key replaces what came before), elem reads one element object, bareKey reads a key of a bare
// object and bare makes the bare object the only element.
func (p *parser) readValues(reset func(), elem func() bool, bareKey func(string) bool, bare func()) bool {
	reset()
	readList := func() bool {
		return p.array(func() bool {
			if p.peek() != '{' {
				return p.skip()
			}
			return elem()
		})
	}
	switch p.peek() {
	case '[':
		return readList()
	case '{':
		hasValues, empty := false, true
		ok := p.object(func(k string) bool {
			empty = false
			if k != "values" {
				return bareKey(k)
			}
			// With a "values" key the other keys are not an element; the last "values" counts.
			hasValues = true
			reset()
			return readList()
		})
		if ok && !hasValues && !empty {
			bare()
		}
		return ok
	}
	return p.skip()
}

func (p *parser) readLogEntry(dst **LogEntry) bool {
	*dst = nil
	switch p.peek() {
	case '"':
		var s string
		ok := p.text(&s)
		*dst = &LogEntry{Formatted: s}
		return ok
	case '{':
		le := &LogEntry{}
		*dst = le
		ok := p.object(func(k string) bool {
			switch k {
			case "formatted":
				return p.lenient(&le.Formatted)
			case "message":
				return p.lenient(&le.Message)
			case "params":
				le.Params = nil
				if p.peek() != '[' {
					return p.skip()
				}
				le.Params = []string{}
				return p.array(func() bool {
					n, ok := p.scalar()
					le.Params = append(le.Params, n.lenient())
					return ok
				})
			}
			return p.skip()
		})
		if le.Formatted == "" {
			le.Formatted = le.Message
		}
		return ok
	}
	return p.skip()
}

func (p *parser) readException(ex *Exception, key string) bool {
	switch key {
	case "type":
		return p.lenient(&ex.Type)
	case "value":
		return p.lenient(&ex.Value)
	case "module":
		return p.lenient(&ex.Module)
	case "thread_id":
		return p.lenient(&ex.ThreadID)
	case "stacktrace":
		return p.readStacktrace(&ex.Stacktrace)
	case "raw_stacktrace":
		return p.readStacktrace(&ex.RawStacktrace)
	case "mechanism":
		ex.Mechanism = nil
		if p.peek() != '{' {
			return p.skip()
		}
		m := &Mechanism{}
		ex.Mechanism = m
		return p.object(func(k string) bool {
			switch k {
			case "type":
				return p.lenient(&m.Type)
			case "synthetic":
				return p.flag(&m.Synthetic)
			case "source":
				return p.lenient(&m.Source)
			case "is_exception_group":
				return p.flag(&m.IsExceptionGroup)
			case "meta":
				m.NSError = nil
				if p.peek() != '{' {
					return p.skip()
				}
				return p.object(func(k string) bool {
					if k != "ns_error" || p.peek() != '{' {
						return p.skip()
					}
					ns := &NSError{}
					m.NSError = ns
					return p.object(func(k string) bool {
						switch k {
						case "domain":
							return p.lenient(&ns.Domain)
						case "code":
							n, ok := p.scalar()
							ns.Code, _ = n.int()
							return ok
						}
						return p.skip()
					})
				})
			case "handled":
				n, ok := p.scalar()
				m.Handled = nil
				if h, isBool := n.boolean(); isBool {
					m.Handled = &h
				}
				return ok
			case "exception_id", "parent_id":
				n, ok := p.scalar()
				var id *int
				if v, isInt := n.int(); isInt {
					i := int(v)
					id = &i
				}
				if k == "exception_id" {
					m.ExceptionID = id
				} else {
					m.ParentID = id
				}
				return ok
			}
			return p.skip()
		})
	}
	return p.skip()
}

func (p *parser) readThread(th *Thread, key string) bool {
	switch key {
	case "id":
		return p.lenient(&th.ID)
	case "name":
		return p.lenient(&th.Name)
	case "crashed":
		return p.flag(&th.Crashed)
	case "current":
		return p.flag(&th.Current)
	case "main":
		return p.flag(&th.Main)
	case "stacktrace":
		return p.readStacktrace(&th.Stacktrace)
	}
	return p.skip()
}

// readStacktrace reads {"frames": […]}; a stack trace without a frames list is nil.
func (p *parser) readStacktrace(dst **Stacktrace) bool {
	*dst = nil
	return p.object(func(k string) bool {
		if k != "frames" {
			return p.skip()
		}
		*dst = nil
		if p.peek() != '[' {
			return p.skip()
		}
		// Frames are collected in a pooled scratch list and copied out at their exact count:
		// growing the list frame by frame cost a tenth of BenchmarkDecode.
		sc := framePool.Get().(*[]Frame)
		ok := p.array(func() bool {
			if p.peek() != '{' {
				return p.skip()
			}
			*sc = append(*sc, Frame{})
			return p.readFrame(&(*sc)[len(*sc)-1])
		})
		*dst = &Stacktrace{Frames: slices.Clone(*sc)}
		if (*dst).Frames == nil {
			(*dst).Frames = []Frame{}
		}
		clear(*sc)
		*sc = (*sc)[:0]
		framePool.Put(sc)
		return ok
	})
}

func (p *parser) readFrame(f *Frame) bool {
	return p.object(func(k string) bool {
		switch k {
		case "filename":
			return p.lenient(&f.Filename)
		case "abs_path":
			return p.lenient(&f.AbsPath)
		case "function":
			return p.lenient(&f.Function)
		case "raw_function":
			return p.lenient(&f.RawFunction)
		case "symbol":
			return p.lenient(&f.Symbol)
		case "module":
			return p.lenient(&f.Module)
		case "package":
			return p.lenient(&f.Package)
		case "platform":
			return p.lenient(&f.Platform)
		case "trust":
			return p.lenient(&f.Trust)
		case "context_line":
			return p.lenient(&f.ContextLine)
		case "lineno", "colno":
			n, ok := p.scalar()
			if v, isInt := n.int(); isInt && v > 0 && v <= 1<<31 {
				if k == "lineno" {
					f.Lineno = int(v)
				} else {
					f.Colno = int(v)
				}
			}
			return ok
		case "in_app":
			n, ok := p.scalar()
			if b, isBool := n.boolean(); isBool {
				f.InApp = &b
			}
			return ok
		case "pre_context", "post_context":
			var lines []string
			if p.peek() == '[' {
				if p.lines == nil {
					p.lines = make([]string, 0, 128)
				}
				lines = p.lines[len(p.lines):len(p.lines)]
			}
			ok := p.array(func() bool {
				line, ok := p.lenientValue()
				lines = p.appendLine(lines, line)
				return ok
			})
			if k == "pre_context" {
				f.PreContext = lines
			} else {
				f.PostContext = lines
			}
			return ok
		case "instruction_addr", "symbol_addr", "image_addr":
			n, ok := p.scalar()
			a := address(n)
			switch k {
			case "instruction_addr":
				f.InstructionAddr = a
			case "symbol_addr":
				f.SymbolAddr = a
			default:
				f.ImageAddr = a
			}
			return ok
		case "data":
			if p.peek() != '{' {
				return p.skip()
			}
			// Data is handed on as compact JSON; the subtree is small and rare (symbolicated
			// frames), so it goes through the tree, which writes canonical JSON.
			start := p.pos
			if !p.skip() {
				return false
			}
			t := treePool.Get().(*tree)
			err := parseJSON(p.s[start:p.pos], maxStoredDepth, t)
			if err == nil {
				f.Data = string(t.appendJSON(nil, &t.root))
			}
			t.release()
			if err != nil {
				p.err = err
				return false
			}
			return true
		}
		return p.skip()
	})
}

// appendLine appends a context line to lines, which is the tail of p.lines: the context lines
// of all frames share a few chunks instead of two allocations per frame.
func (p *parser) appendLine(lines []string, line string) []string {
	if len(p.lines) == cap(p.lines) {
		chunk := make([]string, len(lines), max(2*len(lines), 128))
		copy(chunk, lines)
		p.lines = chunk
	} else {
		p.lines = append(p.lines, line)
		return p.lines[len(p.lines)-len(lines)-1 : len(p.lines) : len(p.lines)]
	}
	p.lines = append(p.lines, line)
	return p.lines[:len(p.lines):len(p.lines)]
}

var framePool = sync.Pool{New: func() any { s := make([]Frame, 0, 64); return &s }}

// readTags reads tags as pairs or an object; the first value of a key counts (Relay's dedup).
func (p *parser) readTags(dst *[]Tag) bool {
	*dst = nil
	c := p.peek()
	if c != '[' && c != '{' {
		return p.skip()
	}
	set := tagSet{tags: make([]Tag, 0, 8)}
	var ok bool
	if c == '{' {
		ok = p.object(func(k string) bool {
			v, ok := p.scalar()
			set.add(k, v)
			return ok
		})
	} else {
		ok = p.array(func() bool {
			var pair [2]scalar
			n := 0
			ok := p.array(func() bool {
				v, ok := p.scalar()
				if n < 2 {
					pair[n] = v
				}
				n++
				return ok
			})
			if n == 2 {
				set.add(pair[0].lenient(), pair[1])
			}
			return ok
		})
	}
	*dst = set.tags
	return ok
}

func (p *parser) readTrace(tc *TraceContext) bool {
	return p.object(func(k string) bool {
		switch k {
		case "trace_id", "span_id", "parent_span_id":
			n, ok := p.scalar()
			switch k {
			case "trace_id":
				tc.TraceID = hexID(n, 32)
			case "span_id":
				tc.SpanID = hexID(n, 16)
			default:
				tc.ParentSpanID = hexID(n, 16)
			}
			return ok
		case "op":
			return p.lenient(&tc.Op)
		case "status":
			return p.lenient(&tc.Status)
		}
		return p.skip()
	})
}

func (p *parser) readImage(img *DebugImage) bool {
	return p.object(func(k string) bool {
		switch k {
		case "type":
			return p.lenient(&img.Type)
		case "code_file":
			return p.lenient(&img.CodeFile)
		case "debug_id":
			return p.lenient(&img.DebugID)
		case "debug_file":
			return p.lenient(&img.DebugFile)
		case "code_id":
			return p.lenient(&img.CodeID)
		case "arch":
			return p.lenient(&img.Arch)
		case "image_addr":
			n, ok := p.scalar()
			img.ImageAddr = address(n)
			return ok
		case "image_size":
			n, ok := p.scalar()
			size, _ := n.int()
			img.ImageSize = uint64(max(size, 0))
			return ok
		}
		return p.skip()
	})
}
