package issuestoreextension

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/faultline/faultline/extension/issuestoreextension/internal/metadata"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTheExtensionServesTheAPIAndMountedPages(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = freeAddr(t)
	cfg.SQLite.Path = filepath.Join(t.TempDir(), "faultline.db")
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := ext.(Server)
	srv.Handle("GET /hello", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !srv.Authorized(r) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "hello")
	}))
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer ext.Shutdown(context.Background())
	if srv.Store() == nil {
		t.Fatal("no store after Start")
	}
	base := "http://" + cfg.NetAddr.Endpoint
	cases := []struct {
		path, token string
		wantStatus  int
	}{
		{"/api/0/organizations/faultline/projects/", DemoToken, 200},
		{"/api/0/organizations/faultline/projects/", "", 401},
		{"/hello", DemoToken, 200},
		{"/hello", "", 401},
	}
	for _, c := range cases {
		if status, body := get(t, base+c.path, c.token); status != c.wantStatus {
			t.Errorf("GET %s (token %q): %d %s, want %d", c.path, c.token, status, body, c.wantStatus)
		}
	}
}
