package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/testbed/harness"
)

// envelope renders a small node error event as an SDK would send it.
func envelope(eventID string, n int) []byte {
	ev := fmt.Sprintf(`{"event_id":"%s","platform":"node","level":"error","release":"shop@1.0.0","user":{"id":"u%d"},`+
		`"exception":{"values":[{"type":"TypeError","value":"cart %d is empty","stacktrace":{"frames":[`+
		`{"filename":"/app/cart.js","abs_path":"/app/cart.js","function":"checkout","lineno":12,"colno":7,"in_app":true}]}}]}}`,
		eventID, n%50, n)
	return []byte(fmt.Sprintf("{\"event_id\":\"%s\"}\n{\"type\":\"event\",\"length\":%d}\n%s\n", eventID, len(ev), ev))
}

func newEventID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TestSIGKILLUnderLoadLosesNoAcknowledgedEvent kills the collector with SIGKILL while SDK-like
// clients are sending, restarts it on the same data directory, and finds every event that got a
// 200 in the store: the default config has no queue, so a 200 goes out only after the store
// committed the event.
func TestSIGKILLUnderLoadLosesNoAcknowledgedEvent(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	config := string(cfg)
	config, _ = harness.MoveAddrs(t, config, harness.FixedAddrs...)
	sentryAddr, uiAddr, dataDir := harness.FreeAddr(t), harness.FreeAddr(t), t.TempDir()
	env := []string{"FAULTLINE_SENTRY_ENDPOINT=" + sentryAddr, "FAULTLINE_UI_ENDPOINT=" + uiAddr, "FAULTLINE_DATA_DIR=" + dataDir}
	col := harness.StartCollector(t, config, env, sentryAddr, uiAddr)
	url := fmt.Sprintf("http://%s/api/1/envelope/?sentry_key=%s", sentryAddr, demoKey)

	var (
		mu    sync.Mutex
		acked []string
		sent  atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for !stop.Load() {
				n := int(sent.Add(1))
				if n > 20000 {
					return
				}
				id := newEventID()
				resp, err := client.Post(url, "application/x-sentry-envelope", bytes.NewReader(envelope(id, n)))
				if err != nil {
					continue // the collector is gone: nothing was acknowledged
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		})
	}
	harness.Eventually(t, 30*time.Second, "2000 acknowledged events", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 2000
	})
	col.Kill()
	stop.Store(true)
	wg.Wait()
	client.CloseIdleConnections()
	t.Logf("%d events acknowledged before SIGKILL", len(acked))

	harness.StartCollector(t, config, env, sentryAddr, uiAddr)
	f := faultline{api: "http://" + uiAddr + "/api/0"}
	missing := acked
	harness.Eventually(t, 60*time.Second, "every acknowledged event in the store", func() bool {
		var still []string
		for _, id := range missing {
			if !f.eventStored(id) {
				still = append(still, id)
			}
		}
		missing = still
		return len(missing) == 0
	})
}

func (f faultline) eventStored(id string) bool {
	req, _ := http.NewRequest(http.MethodGet, f.api+"/projects/faultline/demo/events/"+id+"/", nil)
	req.Header.Set("Authorization", "Bearer "+demoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
