package event

import (
	"slices"
	"sync"

	"github.com/faultline/faultline/internal/jsontext"
)

// This file reads the typed view straight from JSON text with a jsontext.Reader, without building
// a tree: Decode runs for every event the processor and the store touch, and a tree costs most
// of its time in writing nodes (BenchmarkDecode). The Reader accepts and rejects exactly what
// the tree parser does. Where a key repeats, the last one counts, as in the tree.

// reader reads the typed view; lines is the shared backing of the frames' context lines.
type reader struct {
	jsontext.Reader
	lines []string
}

// newReader prepares text for reading the way the tree parser reads it.
func newReader(s string) *reader {
	p := &reader{}
	p.Reset(s, maxStoredDepth)
	return p
}

// Typed readers for values.

func (p *reader) text(dst *string) bool {
	s, ok := p.Text()
	*dst = s
	return ok
}

func (p *reader) lenient(dst *string) bool {
	s, ok := p.Lenient()
	*dst = s
	return ok
}

func (p *reader) flag(dst *bool) bool {
	n, ok := p.Scalar()
	*dst, _ = n.Bool()
	return ok
}

// readEvent reads the typed view of the event object at p.pos.
func (p *reader) readEvent() (*Event, error) {
	ev := &Event{}
	var logEntry, message *LogEntry
	ok := p.Object(func(key string) bool {
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
			if p.Peek() != '{' {
				return p.Skip()
			}
			tp := &Template{}
			ev.Template = tp
			return p.Object(func(k string) bool {
				switch k {
				case "filename":
					return p.lenient(&tp.Filename)
				case "abs_path":
					return p.lenient(&tp.AbsPath)
				case "context_line":
					return p.lenient(&tp.ContextLine)
				case "lineno":
					n, ok := p.Scalar()
					if l, isInt := n.Int(); isInt {
						tp.Lineno = int(l)
					}
					return ok
				}
				return p.Skip()
			})
		case "csp", "hpkp", "expectct", "expectstaple":
			ev.Security = nil
			if p.Peek() != '{' {
				return p.Skip()
			}
			r := &SecurityReport{Kind: key}
			ev.Security = r
			return p.Object(func(k string) bool {
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
				return p.Skip()
			})
		case "timestamp", "received", "level":
			n, ok := p.Scalar()
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
					return p.Object(func(k string) bool { return p.readException(ex, k) })
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
					return p.Object(func(k string) bool { return p.readThread(th, k) })
				},
				func(k string) bool { return p.readThread(&bare, k) },
				func() { ev.Threads = []Thread{bare} })
		case "stacktrace":
			return p.readStacktrace(&ev.Stacktrace)
		case "fingerprint":
			ev.Fingerprint = nil
			if p.Peek() != '[' {
				return p.Skip()
			}
			ev.Fingerprint = []string{}
			return p.Array(func() bool {
				n, ok := p.Scalar()
				if n.Kind != jsontext.Null {
					ev.Fingerprint = append(ev.Fingerprint, n.Lenient())
				}
				return ok
			})
		case "tags":
			return p.readTags(&ev.Tags)
		case "user":
			ev.User = nil
			if p.Peek() != '{' {
				return p.Skip()
			}
			u := &User{}
			ev.User = u
			return p.Object(func(k string) bool {
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
				return p.Skip()
			})
		case "request":
			ev.Request = nil
			if p.Peek() != '{' {
				return p.Skip()
			}
			r := &Request{}
			ev.Request = r
			return p.Object(func(k string) bool {
				switch k {
				case "method":
					return p.lenient(&r.Method)
				case "url":
					return p.lenient(&r.URL)
				}
				return p.Skip()
			})
		case "sdk":
			ev.SDK = nil
			if p.Peek() != '{' {
				return p.Skip()
			}
			s := &SDK{}
			ev.SDK = s
			return p.Object(func(k string) bool {
				switch k {
				case "name":
					return p.lenient(&s.Name)
				case "version":
					return p.lenient(&s.Version)
				}
				return p.Skip()
			})
		case "contexts":
			ev.Trace = TraceContext{}
			return p.Object(func(k string) bool {
				if k != "trace" {
					return p.Skip()
				}
				ev.Trace = TraceContext{}
				return p.readTrace(&ev.Trace)
			})
		case "debug_meta":
			ev.DebugImages = nil
			return p.Object(func(k string) bool {
				if k != "images" {
					return p.Skip()
				}
				ev.DebugImages = nil
				return p.Array(func() bool {
					if p.Peek() != '{' {
						return p.Skip()
					}
					ev.DebugImages = append(ev.DebugImages, DebugImage{})
					return p.readImage(&ev.DebugImages[len(ev.DebugImages)-1])
				})
			})
		}
		return p.Skip()
	})
	if !ok {
		return nil, p.Err()
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
func (p *reader) readValues(reset func(), elem func() bool, bareKey func(string) bool, bare func()) bool {
	reset()
	readList := func() bool {
		return p.Array(func() bool {
			if p.Peek() != '{' {
				return p.Skip()
			}
			return elem()
		})
	}
	switch p.Peek() {
	case '[':
		return readList()
	case '{':
		hasValues, empty := false, true
		ok := p.Object(func(k string) bool {
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
	return p.Skip()
}

func (p *reader) readLogEntry(dst **LogEntry) bool {
	*dst = nil
	switch p.Peek() {
	case '"':
		var s string
		ok := p.text(&s)
		*dst = &LogEntry{Formatted: s}
		return ok
	case '{':
		le := &LogEntry{}
		*dst = le
		ok := p.Object(func(k string) bool {
			switch k {
			case "formatted":
				return p.lenient(&le.Formatted)
			case "message":
				return p.lenient(&le.Message)
			case "params":
				le.Params = nil
				if p.Peek() != '[' {
					return p.Skip()
				}
				le.Params = []string{}
				return p.Array(func() bool {
					n, ok := p.Scalar()
					le.Params = append(le.Params, n.Lenient())
					return ok
				})
			}
			return p.Skip()
		})
		if le.Formatted == "" {
			le.Formatted = le.Message
		}
		return ok
	}
	return p.Skip()
}

func (p *reader) readException(ex *Exception, key string) bool {
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
		if p.Peek() != '{' {
			return p.Skip()
		}
		m := &Mechanism{}
		ex.Mechanism = m
		return p.Object(func(k string) bool {
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
				if p.Peek() != '{' {
					return p.Skip()
				}
				return p.Object(func(k string) bool {
					if k != "ns_error" || p.Peek() != '{' {
						return p.Skip()
					}
					ns := &NSError{}
					m.NSError = ns
					return p.Object(func(k string) bool {
						switch k {
						case "domain":
							return p.lenient(&ns.Domain)
						case "code":
							n, ok := p.Scalar()
							ns.Code, _ = n.Int()
							return ok
						}
						return p.Skip()
					})
				})
			case "handled":
				n, ok := p.Scalar()
				m.Handled = nil
				if h, isBool := n.Bool(); isBool {
					m.Handled = &h
				}
				return ok
			case "exception_id", "parent_id":
				n, ok := p.Scalar()
				var id *int
				if v, isInt := n.Int(); isInt {
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
			return p.Skip()
		})
	}
	return p.Skip()
}

func (p *reader) readThread(th *Thread, key string) bool {
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
	return p.Skip()
}

// readStacktrace reads {"frames": […]}; a stack trace without a frames list is nil.
func (p *reader) readStacktrace(dst **Stacktrace) bool {
	*dst = nil
	return p.Object(func(k string) bool {
		if k != "frames" {
			return p.Skip()
		}
		*dst = nil
		if p.Peek() != '[' {
			return p.Skip()
		}
		// Frames are collected in a pooled scratch list and copied out at their exact count:
		// growing the list frame by frame cost a tenth of BenchmarkDecode.
		sc := framePool.Get().(*[]Frame)
		ok := p.Array(func() bool {
			if p.Peek() != '{' {
				return p.Skip()
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

func (p *reader) readFrame(f *Frame) bool {
	return p.Object(func(k string) bool {
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
			n, ok := p.Scalar()
			if v, isInt := n.Int(); isInt && v > 0 && v <= 1<<31 {
				if k == "lineno" {
					f.Lineno = int(v)
				} else {
					f.Colno = int(v)
				}
			}
			return ok
		case "in_app":
			n, ok := p.Scalar()
			if b, isBool := n.Bool(); isBool {
				f.InApp = &b
			}
			return ok
		case "pre_context", "post_context":
			var lines []string
			if p.Peek() == '[' {
				if p.lines == nil {
					p.lines = make([]string, 0, 128)
				}
				lines = p.lines[len(p.lines):len(p.lines)]
			}
			ok := p.Array(func() bool {
				line, ok := p.Lenient()
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
			n, ok := p.Scalar()
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
			if p.Peek() != '{' {
				return p.Skip()
			}
			// Data is handed on as compact JSON; the subtree is small and rare (symbolicated
			// frames), so it goes through the tree, which writes canonical JSON.
			raw, ok := p.RawValue()
			if !ok {
				return false
			}
			// The Reader read the same text with the same lexer, so the tree parses it.
			t := treePool.Get().(*tree)
			if t.parse(raw, maxStoredDepth) == nil {
				f.Data = string(t.AppendJSON(nil, t.Root()))
			}
			t.release()
			return true
		}
		return p.Skip()
	})
}

// appendLine appends a context line to lines, which is the tail of p.lines: the context lines
// of all frames share a few chunks instead of two allocations per frame.
func (p *reader) appendLine(lines []string, line string) []string {
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
func (p *reader) readTags(dst *[]Tag) bool {
	*dst = nil
	c := p.Peek()
	if c != '[' && c != '{' {
		return p.Skip()
	}
	set := tagSet{tags: make([]Tag, 0, 8)}
	var ok bool
	if c == '{' {
		ok = p.Object(func(k string) bool {
			v, ok := p.Scalar()
			set.add(k, v)
			return ok
		})
	} else {
		ok = p.Array(func() bool {
			var pair [2]jsontext.Scalar
			n := 0
			ok := p.Array(func() bool {
				v, ok := p.Scalar()
				if n < 2 {
					pair[n] = v
				}
				n++
				return ok
			})
			if n == 2 {
				set.add(pair[0].Lenient(), pair[1])
			}
			return ok
		})
	}
	*dst = set.tags
	return ok
}

func (p *reader) readTrace(tc *TraceContext) bool {
	return p.Object(func(k string) bool {
		switch k {
		case "trace_id", "span_id", "parent_span_id":
			n, ok := p.Scalar()
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
		return p.Skip()
	})
}

func (p *reader) readImage(img *DebugImage) bool {
	return p.Object(func(k string) bool {
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
			n, ok := p.Scalar()
			img.ImageAddr = address(n)
			return ok
		case "image_size":
			n, ok := p.Scalar()
			size, _ := n.Int()
			img.ImageSize = uint64(max(size, 0))
			return ok
		}
		return p.Skip()
	})
}
