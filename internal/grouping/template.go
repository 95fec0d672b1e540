package grouping

import "strings"

// template groups an error raised while rendering a template by the template's file name and
// the line that failed (research notes §3.9). It ranks below stack traces and above security
// reports and messages.
func (s *state) template() (strategyOut, bool) {
	t := s.ev.Template
	if t == nil {
		return strategyOut{}, false
	}
	filenameC := s.a.node("filename")
	if t.Filename != "" {
		// the server's basename: everything after the last "/"
		filenameC = s.a.leaf("filename", t.Filename[strings.LastIndexByte(t.Filename, '/')+1:])
	}
	lineC := s.a.node("context_line")
	if t.ContextLine != "" {
		lineC = s.a.leaf("context_line", t.ContextLine)
	}
	c := s.a.node("template")
	c.Children = s.a.children(2)
	c.Children = append(c.Children, filenameC, lineC)
	c.computeContributes()
	return strategyOut{name: "template", variants: []variantComp{{"default", c}}}, true
}
