package useragent

import "testing"

func TestParse(t *testing.T) {
	cases := []struct {
		name, ua string
		want     Info
	}{
		{"Chrome on Windows 10 keeps three version parts",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
			Info{BrowserName: "Chrome", BrowserVersion: "120.0.6099", OSName: "Windows", OSVersion: "10"}},
		{"Edge is not read as the Chrome it embeds",
			"Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
			Info{BrowserName: "Edge", BrowserVersion: "119.0.2151", OSName: "Windows", OSVersion: "7"}},
		{"Firefox on a Mac writes the system version with dots",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0",
			Info{BrowserName: "Firefox", BrowserVersion: "121.0", OSName: "Mac OS X", OSVersion: "10.15",
				DeviceFamily: "Mac", DeviceModel: "Mac", DeviceBrand: "Apple"}},
		{"Safari on a Mac writes it with underscores",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
			Info{BrowserName: "Safari", BrowserVersion: "17.1", OSName: "Mac OS X", OSVersion: "10.15.7",
				DeviceFamily: "Mac", DeviceModel: "Mac", DeviceBrand: "Apple"}},
		{"Safari on an iPhone is Mobile Safari on iOS",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
			Info{BrowserName: "Mobile Safari", BrowserVersion: "17.1.2", OSName: "iOS", OSVersion: "17.1.2",
				DeviceFamily: "iPhone", DeviceModel: "iPhone", DeviceBrand: "Apple"}},
		{"Chrome on an iPad",
			"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
			Info{BrowserName: "Chrome Mobile iOS", BrowserVersion: "120.0.6099", OSName: "iOS", OSVersion: "16.6",
				DeviceFamily: "iPad", DeviceModel: "iPad", DeviceBrand: "Apple"}},
		{"Chrome on an Android phone is Chrome Mobile",
			"Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
			Info{BrowserName: "Chrome Mobile", BrowserVersion: "120.0.0", OSName: "Android", OSVersion: "14"}},
		{"Firefox on Linux",
			"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
			Info{BrowserName: "Firefox", BrowserVersion: "115.0", OSName: "Linux"}},
		{"Internet Explorer 11",
			"Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko",
			Info{BrowserName: "IE", BrowserVersion: "11.0", OSName: "Windows", OSVersion: "8.1"}},
		{"an SDK's own user agent says nothing",
			"sentry.python/1.9.0", Info{}},
		{"curl says nothing", "curl/8.4.0", Info{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Parse(c.ua); got != c.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", c.ua, got, c.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) Version/17.1.2 Safari/604.1")
	f.Add("Windows NT ")
	f.Add("Android")
	f.Fuzz(func(t *testing.T, ua string) {
		_ = Parse(ua) // must not panic
	})
}
