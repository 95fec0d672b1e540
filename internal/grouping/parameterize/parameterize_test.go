package parameterize

import "testing"

func TestReplaceSubstitutesEachKindOfVariablePart(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"integers in a list", "testing testing 1, 2, 3", "testing testing <int>, <int>, <int>"},
		{"an integer inside prose", "Charlie didn't bring 2 balls back!", "Charlie didn't bring <int> balls back!"},
		{"a negative integer", "offset -42 out of range", "offset <int> out of range"},
		{"a hyphen after a word is not a sign", "abc-123", "abc-<int>"},
		{"a float", "took 3.14 units", "took <float> units"},
		{"a uuid", "user 3f2504e0-4f89-11d3-9a0c-0305e82c3301 not found", "user <uuid> not found"},
		{"an md5", "blob d41d8cd98f00b204e9800998ecf8427e missing", "blob <md5> missing"},
		{"a sha1", "commit da39a3ee5e6b4b0d3255bfef95601890afd80709 bad", "commit <sha1> bad"},
		{"a 0x address", "segfault at 0x7fff5fbff8c0", "segfault at <hex>"},
		{"a long bare hex id", "request deadbeef12 failed", "request <hex> failed"},
		{"eight digits fall to hex", "order 12345678 failed", "order <hex> failed"},
		{"a git short sha", "build a1b2c3d broke", "build <git_sha> broke"},
		{"an ipv4 address", "connect to 10.0.0.12 refused", "connect to <ip> refused"},
		{"an ipv6 address", "connect to 2001:db8::ff00:42:8329 refused", "connect to <ip> refused"},
		{"a C++ scope is not an ipv6 address", "Cache::get failed", "Cache::get failed"},
		{"an email", "mail to jane.doe@example.com bounced", "mail to <email> bounced"},
		{"a url", "GET https://api.example.com/v1/users?id=5 failed", "GET <url> failed"},
		{"a hostname", "lookup db1.internal.example.com failed", "lookup <hostname> failed"},
		{"an iso date", "at 2024-01-15T10:20:30.123Z we crashed", "at <date> we crashed"},
		{"a plain date", "on 2024-01-15 we crashed", "on <date> we crashed"},
		{"an rfc1123 date", "at Mon, 02 Jan 2006 15:04:05 GMT we crashed", "at <date> we crashed"},
		{"a js date string", "at Mon Jan 02 2006 15:04:05 GMT+0000 (Coordinated Universal Time) x", "at <date> x"},
		{"a clock time", "at 10:20:30 we crashed", "at <date> we crashed"},
		{"a kitchen time", "at 3:04 PM we crashed", "at <date> we crashed"},
		{"a C asctime date is one date", "at Wed Apr 17 22:31:45 2019 we crashed", "at <date> we crashed"},
		{"an asctime date without weekday, single-digit day", "since Apr  7 02:03:04 2019", "since <date>"},
		{"month day comma year", "due Jan 02, 1999 sharp", "due <date> sharp"},
		{"month day comma year with weekday", "due Sat Jan 02, 1999", "due <date>"},
		{"an rfc2822 date without weekday", "sent 2 Jan 2006 15:04:05 -0700 ok", "sent <date> ok"},
		{"an rfc822 date with a zone letter", "at Mon, 2 Jan 06 15:04 Z ok", "at <date> ok"},
		{"an rfc850 date", "at Monday, 02-Jan-06 15:04:05 MST ok", "at <date> ok"},
		{"a space-separated datetime with offset", "at 2024-01-15 10:20:30+01:00 ok", "at <date> ok"},
		{"a compact datetime", "at 20240115T102030 ok", "at <date> ok"},
		{"a 24-hour time", "at 17:45 ok", "at <date> ok"},
		{"a time with three-digit minutes is no time", "at 17:456 ok", "at <int>:<int> ok"},
		{"a python datetime", "at datetime.datetime(2024, 1, 15, 10, 20) ok", "at <date> ok"},
		{"a duration in ms", "timed out after 1500ms", "timed out after <duration>"},
		{"a duration in seconds", "timed out after 1.5s", "timed out after <duration>"},
		{"a w3c traceparent", "trace 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 lost", "trace <traceparent> lost"},
		{"a quoted value after =", `key='abc' other="x y"`, "key=<quoted_str> other=<quoted_str>"},
		{"a bool after =", "enabled=true mode=False", "enabled=<bool> mode=<bool>"},
		{"words stay", "Something went wrong", "Something went wrong"},
		{"digits glued to letters stay", "id 123abc", "id 123abc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Replace(c.in); got != c.want {
				t.Errorf("Replace(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestTrimKeepsTwoNonBlankLinesAndMarksTheCut(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"one line is unchanged", "hello", "hello"},
		{"trailing newline counts as a change", "hello\n", "hello..."},
		{"blank lines are dropped", "a\n\n\nb", "a\nb..."},
		{"a third line is cut", "a\nb\nc", "a\nb..."},
		{"two lines are unchanged", "a\nb", "a\nb"},
		{"crlf splits lines", "a\r\nb\r\nc", "a\nb..."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Trim(c.in); got != c.want {
				t.Errorf("Trim(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func BenchmarkReplaceTypicalErrorValue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Replace("Cannot read properties of undefined (reading 'id') for order 12345")
	}
}
