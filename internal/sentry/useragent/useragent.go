// Package useragent reads the browser, operating system and device out of an HTTP User-Agent
// header, named the way Relay names them when it fills an event's contexts from the header
// (reference/sentry-protocol.md §10; Relay uses ua-parser's families: "Chrome Mobile",
// "Mobile Safari", "Mac OS X" …).
//
// It covers the browsers and systems that send nearly all traffic; anything else reads as
// unknown (empty), which is what Relay does for ua-parser's "Other". It knows nothing of events.
package useragent

import "strings"

// Info is what a User-Agent says. Empty names mean unknown; versions are the numeric parts
// ua-parser keeps (major, minor, patch) joined by dots.
type Info struct {
	BrowserName, BrowserVersion string
	OSName, OSVersion           string
	// DeviceFamily, DeviceModel and DeviceBrand are set for the Apple devices the header names
	// (iPhone, iPad, Mac); other devices are not told apart by their headers reliably.
	DeviceFamily, DeviceModel, DeviceBrand string
}

// browserTokens are checked in order: several browsers also carry the tokens of the ones they
// derive from (Edge and Opera say "Chrome/", Chrome says "Safari/").
var browserTokens = []struct {
	token, name, mobileName string
}{
	{"EdgiOS/", "Edge Mobile", ""},
	{"EdgA/", "Edge Mobile", ""},
	{"Edg/", "Edge", ""},
	{"Edge/", "Edge", "Edge Mobile"},
	{"OPR/", "Opera", "Opera Mobile"},
	{"SamsungBrowser/", "Samsung Internet", ""},
	{"YaBrowser/", "Yandex Browser", ""},
	{"CriOS/", "Chrome Mobile iOS", ""},
	{"FxiOS/", "Firefox iOS", ""},
	{"HeadlessChrome/", "HeadlessChrome", ""},
	{"Firefox/", "Firefox", "Firefox Mobile"},
	{"Chrome/", "Chrome", "Chrome Mobile"},
}

// Parse reads ua.
func Parse(ua string) Info {
	var in Info
	in.OSName, in.OSVersion = parseOS(ua)
	in.BrowserName, in.BrowserVersion = parseBrowser(ua, in.OSName)
	switch {
	case strings.Contains(ua, "iPhone"):
		in.DeviceFamily = "iPhone"
	case strings.Contains(ua, "iPad"):
		in.DeviceFamily = "iPad"
	case strings.Contains(ua, "Macintosh"):
		in.DeviceFamily = "Mac"
	}
	if in.DeviceFamily != "" {
		in.DeviceModel, in.DeviceBrand = in.DeviceFamily, "Apple"
	}
	return in
}

func parseBrowser(ua, os string) (name, version string) {
	// A mobile build says "Mobile" on Android; iOS browsers have tokens of their own.
	mobile := os == "Android" && strings.Contains(ua, "Mobile")
	for _, b := range browserTokens {
		i := strings.Index(ua, b.token)
		if i < 0 {
			continue
		}
		name = b.name
		if mobile && b.mobileName != "" {
			name = b.mobileName
		}
		return name, numericVersion(ua[i+len(b.token):])
	}
	if i := strings.Index(ua, "Version/"); i >= 0 && strings.Contains(ua, "Safari/") {
		name = "Safari"
		if os == "iOS" {
			name = "Mobile Safari"
		}
		return name, numericVersion(ua[i+len("Version/"):])
	}
	if i := strings.Index(ua, "MSIE "); i >= 0 {
		return "IE", numericVersion(ua[i+len("MSIE "):])
	}
	if strings.Contains(ua, "Trident/") {
		if i := strings.Index(ua, "rv:"); i >= 0 {
			return "IE", numericVersion(ua[i+len("rv:"):])
		}
	}
	return "", ""
}

// windowsVersions names the Windows NT kernel versions as Windows releases.
var windowsVersions = map[string]string{
	"10.0": "10", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista", "5.2": "XP", "5.1": "XP",
}

func parseOS(ua string) (name, version string) {
	switch {
	case strings.Contains(ua, "Windows NT "):
		v := ua[strings.Index(ua, "Windows NT ")+len("Windows NT "):]
		if end := strings.IndexAny(v, ";)"); end >= 0 {
			v = v[:end]
		}
		return "Windows", windowsVersions[strings.TrimSpace(v)]
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod"):
		// "CPU iPhone OS 17_1_2 like Mac OS X", "CPU OS 17_1 like Mac OS X" (iPad).
		if i := strings.Index(ua, "OS "); i >= 0 {
			return "iOS", underscoredVersion(ua[i+len("OS "):])
		}
		return "iOS", ""
	case strings.Contains(ua, "Android"):
		v := ua[strings.Index(ua, "Android")+len("Android"):]
		return "Android", numericVersion(strings.TrimLeft(v, " "))
	case strings.Contains(ua, "CrOS "):
		return "Chrome OS", ""
	case strings.Contains(ua, "Mac OS X"):
		v := ua[strings.Index(ua, "Mac OS X")+len("Mac OS X"):]
		return "Mac OS X", underscoredVersion(strings.TrimLeft(v, " "))
	case strings.Contains(ua, "Ubuntu"):
		return "Ubuntu", ""
	case strings.Contains(ua, "Linux"):
		return "Linux", ""
	}
	return "", ""
}

// numericVersion reads up to three dot-separated numbers at the start of s.
func numericVersion(s string) string {
	return version(s, '.')
}

// underscoredVersion reads Apple's "10_15_7" as "10.15.7"; some browsers write it with dots.
func underscoredVersion(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < len(s) && s[i] == '.' {
		return version(s, '.')
	}
	return strings.ReplaceAll(version(s, '_'), "_", ".")
}

// version returns the longest prefix of s made of one to three digit groups joined by sep.
func version(s string, sep byte) string {
	end := 0
	for groups := 0; groups < 3; groups++ {
		j := end
		if groups > 0 {
			if j >= len(s) || s[j] != sep {
				break
			}
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == j {
			break
		}
		end = k
	}
	return s[:end]
}
