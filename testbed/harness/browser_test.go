package harness

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserRendersAPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>t</title><p id="x">hello</p><script>document.getElementById("x").textContent += " from js"</script>`))
	}))
	defer srv.Close()
	ctx := Browser(t)
	Do(t, ctx, 30*time.Second, chromedp.Navigate(srv.URL))
	text := Get(t, ctx, 10*time.Second, chromedp.Text(chromedp.CSS("#x")))
	if text != "hello from js" {
		t.Fatalf("page text %q", text)
	}
}
