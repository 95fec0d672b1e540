package grouping

const fallbackHash = "d41d8cd98f00b204e9800998ecf8427e" // md5 of nothing

// tree is what a Variant shows of its component tree: all of it for Group, nothing for
// GroupHashes (whose components are recycled).
func (s *state) tree(c *Component) *Component {
	if s.trees {
		return c
	}
	return nil
}

// run computes everything for one event: fingerprint choice, strategies, variants and hashes,
// title and culprit.
func (s *state) run() *Result {
	res := &Result{Config: s.cfg.id}
	if s.trees {
		res.Variants = make(map[string]Variant, 4)
	}
	if s.ev.Checksum != "" {
		s.checksumVariants(res)
		s.describe(res)
		return res
	}
	fp := s.chooseFingerprint()
	outs := s.strategies()

	// One root per variant name, in the order strategies first produced it.
	type root struct {
		name string
		c    *Component
	}
	var roots []root
	for _, o := range outs {
		for _, vc := range o.variants {
			k := -1
			for i := range roots {
				if roots[i].name == vc.name {
					k = i
				}
			}
			if k < 0 {
				rc := s.a.node(vc.name)
				roots = append(roots, root{vc.name, rc})
				k = len(roots) - 1
			}
			roots[k].c.Children = append(roots[k].c.Children, vc.c)
		}
	}
	for _, r := range roots {
		r.c.computeContributes()
	}

	defaults := 0
	for _, e := range fp.entries {
		if isDefaultEntry(e) {
			defaults++
		}
	}
	custom := len(fp.entries) > 0 && defaults == 0
	salted := defaults > 0 && len(fp.entries) > 1
	var resolved []string
	if custom || salted {
		resolved = make([]string, len(fp.entries))
		for i, e := range fp.entries {
			if isDefaultEntry(e) {
				resolved[i] = e
			} else {
				resolved[i] = s.resolveEntry(e)
			}
		}
	}
	matched := ""
	if fp.rule != nil {
		matched = fp.rule.String()
		if fp.rule.Title != "" {
			res.Metadata.Title = s.expandTitle(fp.rule.Title)
		}
	}

	var first, systemHash []string
	if custom {
		name, kind, who := s.cfg.clientVariant, "custom_fingerprint", s.cfg.clientName
		if fp.rule != nil {
			name, who = s.cfg.serverVariant, s.cfg.serverName
			if fp.rule.Builtin() {
				name, kind, who = "built_in_fingerprint", "built_in_fingerprint", "Sentry defined fingerprint"
			}
		}
		for _, r := range roots {
			r.c.set(false, "ignored because "+who+" takes precedence")
			s.putVariant(res, r.name, Variant{Type: "component", Contributes: false, Hint: r.c.Hint, Tree: s.tree(r.c)})
		}
		h := hashStrings(resolved)
		s.putVariant(res, name, Variant{Type: kind, Hash: h, Contributes: true, Values: resolved, MatchedRule: matched})
		first = append(first, h)
	} else {
		hashes := make(map[string]string, len(roots))
		for _, r := range roots {
			h := ""
			if salted {
				if r.c.Contributes {
					var vals []string
					for _, e := range resolved {
						if isDefaultEntry(e) {
							vals = r.c.leafStrings(vals)
						} else {
							vals = append(vals, e)
						}
					}
					h = hashStrings(vals)
				}
			} else {
				h = hashOf(r.c, &s.hashBuf)
			}
			hashes[r.name] = h
		}
		// "app" has priority: a system variant that adds nothing is not stored twice.
		if app, sys := hashes["app"], hashes["system"]; app != "" && app == sys {
			for _, r := range roots {
				if r.name == "system" {
					r.c.set(false, "ignored because hash matches app variant")
				}
			}
			hashes["system"] = ""
		}
		kind := "component"
		if salted {
			kind = "salted_component"
		}
		for _, r := range roots {
			v := Variant{Type: kind, Hash: hashes[r.name], Contributes: r.c.Contributes, Hint: r.c.Hint, Tree: s.tree(r.c)}
			if salted {
				v.Values, v.MatchedRule = resolved, matched
			}
			s.putVariant(res, r.name, v)
			if v.Hash == "" {
				continue
			}
			if r.name == "system" {
				systemHash = append(systemHash, v.Hash)
			} else {
				first = append(first, v.Hash)
			}
		}
		if len(first)+len(systemHash) == 0 {
			s.putVariant(res, "fallback", Variant{Type: "fallback", Hash: fallbackHash, Contributes: true})
			first = append(first, fallbackHash)
		}
	}
	res.Hashes = append(first, systemHash...)
	s.describe(res)
	return res
}

// checksumVariants: an event with a (legacy) client checksum groups by it and by nothing else.
// A 32-digit lowercase hex checksum is the hash itself; anything else is hashed, and also kept
// as it is when it fits the 32 characters a hash is stored in.
func (s *state) checksumVariants(res *Result) {
	sum := s.ev.Checksum
	if isMD5Hex(sum) {
		s.putVariant(res, "checksum", Variant{Type: "checksum", Hash: sum, Contributes: true})
		res.Hashes = []string{sum}
		return
	}
	h := md5Hex([]byte(sum))
	s.putVariant(res, "hashed_checksum", Variant{Type: "hashed_checksum", Hash: h, Contributes: true, Values: []string{sum}})
	res.Hashes = []string{h}
	if len(sum) <= 32 {
		s.putVariant(res, "checksum", Variant{Type: "checksum", Hash: sum, Contributes: true})
		res.Hashes = append(res.Hashes, sum)
	}
}

func isMD5Hex(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !('a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// putVariant records a variant for Group; GroupHashes keeps only the hashes, title, culprit and
// metadata, so its Result carries no Variants map (about 1 KB per event, more than half of what
// it allocates).
func (s *state) putVariant(res *Result, name string, v Variant) {
	if s.trees {
		res.Variants[name] = v
	}
}
