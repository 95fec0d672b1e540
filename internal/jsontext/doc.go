// Package jsontext is Faultline's one JSON reader: a strict, lossless parser that keeps raw
// spans of the text, a tree to edit a few keys of a document and write the rest back
// unchanged, and a Reader that reads values straight from the text without a tree. It knows
// nothing about Sentry; the event, envelope and payload packages and the receiver build on it.
//
// What it accepts is JSON (RFC 8259), as serde_json, which Relay parses with, accepts it, plus
// the repairs Relay's json_forensics makes, so that a document is not lost for one bad byte:
// invalid UTF-8 becomes U+FFFD, raw control characters in strings are escaped, lone UTF-16
// surrogate escapes become U+FFFD, NaN and ±Infinity (which Python's json module writes) read as
// null, and containers nested deeper than Options.MaxDepth read as null. Everything else that
// is not JSON is a *SyntaxError. Strings keep their escaped text and numbers their literal
// text, so writing a value copies bytes, and what is written is always valid JSON that any
// consumer downstream (the store, PostgreSQL jsonb) can read.
//
// Why not a library. fastjson, which the envelope and payload packages used before, parses
// leniently (raw control characters, `\x` escapes, numbers such as `1.2.3` or `inf` are accepted
// and copied to the output), and a string or key that has been read is re-encoded with
// strconv.AppendQuote, whose `\a`, `\v` and `\x7f` are Go escapes, not JSON ones: its tree can
// write invalid JSON. It is not faster either: its parse and marshal of the reference event
// took 12.2-15.2 µs where this tree's parse took 6.8-7.1 µs (GOMAXPROCS=1, one run).
// encoding/json and its successors decode into Go values, which loses the raw text and costs
// far more than reading spans.
//
// The tree's representation was chosen by measurement on the reference event
// (internal/sentry/event/testdata/node-error.envelope, 9.5 KB, ~500 values). Wall-clock time on
// the shared 2-core machine varies 2-10x with other load, so the comparison is in instructions
// per operation (valgrind --tool=callgrind, GOMAXPROCS=1, garbage collection included,
// difference of two run lengths), which vary a few per cent with where collections fall:
//
//	benchmark                          pointer-based tree       this tree
//	BenchmarkNormalize                 403 k instr, 37.9 KB     336 k instr, 20.4 KB
//	  the same without GC (GOGC=off)   346 k instr              314 k instr
//	BenchmarkHandleNodeErrorEnvelope   659 k instr, 61.3 KB     514 k instr, 43.6 KB
//	  the same without GC (GOGC=off)   455 k instr              424 k instr
//	BenchmarkParseTree                 200 k instr              195 k instr
//
// Without collections the two trees execute about the same instructions; the difference is the
// garbage collector's: the pointer-based tree paid a write barrier for every string and slice
// it stored while a collection ran, its slab was scanned, and normalization copied the event.
// So a Node holds no pointers (see Node). What remains is mostly the scan of the text itself.
// That is one loop without recursion (parseTree), and the common kind of text, compact with
// plain strings and integers, is read by a function that makes no call (plainChildren), keys,
// values and brackets alike: Go keeps no register across a call, and a call per value (the
// recursive parser's value) cost as much in saved and reloaded state as the scan.
// BenchmarkParseTree went from 139.7 k to 97.7 k instructions (GOGC=off), and
// BenchmarkHandleNodeErrorEnvelope from 414.4 k to 371.6 k.
//
// The Reader, which builds nothing, suits a few fields of a small document (envelope headers);
// for the typed view of a whole event, a tree and direct loops over its nodes took fewer
// instructions and allocations than the Reader's closure per value (package event's Decode).
package jsontext
