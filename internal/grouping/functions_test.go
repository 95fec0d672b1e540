package grouping

import "testing"

func TestTrimNativeFunction(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Acme::Engine::run(int) [clone .isra.0]", "Acme::Engine::run"},
		{"std::vector<int, std::allocator<int> >::at(unsigned long) const", "std::vector<T>::at"},
		{"unsigned int Acme::hash(char const*)", "Acme::hash"},
		{"Acme::Widget::operator()(int) const &", "Acme::Widget::operator()"},
		{"bool operator<<(std::ostream&, Acme::Point const&)", "operator<<"},
		// Objective-C: selectors and the blocks inside them keep their brackets.
		{"-[AcmeViewController viewDidLoad]", "-[AcmeViewController viewDidLoad]"},
		{"__46+[AcmeSync resume]_block_invoke_2", "__46+[AcmeSync resume]_block_invoke_2"},
		{"__29-[AcmeStore load:]_block_invoke", "__29-[AcmeStore load:]_block_invoke"},
		// Lambdas of gcc, msvc and clang.
		{"Acme::run()::{lambda(int)#2}::operator()(int) const", "Acme::run::lambda::operator()"},
		{"Acme::run::<lambda_0123456789abcdef0123456789abcdef>::operator()", "Acme::run::<lambda>::operator()"},
		{"Acme::run()::$_3::operator()() const", "Acme::run::lambda::operator()"},
		// Anonymous namespaces, also MSVC's hashed form.
		{"`anonymous namespace'::helper(int)", "`anonymous namespace'::helper"},
		{"?A0x1a2b3c4d::helper(int)", "`anonymous namespace'::helper"},
		{"(anonymous namespace)::helper(int)", "(anonymous namespace)::helper"},
		// Rust: legacy hashes go; a leading <Type as Trait> keeps the type.
		{"acme::worker::run::h0123456789abcdef", "acme::worker::run"},
		{"<acme::Thing as core::fmt::Debug>::fmt", "acme::Thing::fmt"},
		{"<T as alloc::string::ToString>::to_string", "alloc::string::ToString::to_string"},
		// Swift: the token before the return arrow.
		{"@objc Acme.Store.load(Swift.String) -> Swift.Bool", "Acme.Store.load"},
		// Windows call decorations and glibc versions.
		{"_RtlUserThreadStart@8", "_RtlUserThreadStart"},
		{"@fastcall_fn@12", "fastcall_fn"},
		{"memcpy@GLIBC_2.14", "memcpy"},
		{"<redacted>", "<redacted>"},
	}
	for _, c := range cases {
		if got := trimNativeFunction(c.in); got != c.want {
			t.Errorf("trimNativeFunction(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
