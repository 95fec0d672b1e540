package sentryreceiver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/processor/errorgroupingprocessor"
)

// TestRecordsOutliveTheirRequest guards what the receiver's zero-copy hand-off rests on: the
// strings of a record it emits (the event's JSON, the attributes read from the typed view, and
// the grouping the processor derives from that view) point into memory made for that request and
// never written again, so a consumer may keep the record after ConsumeLogs returned, as an
// exporter's sending_queue does, while later requests are parsed. A pooled body, tree or output
// buffer would show here as a record that changed after its request was answered, or, under
// -race, as a write to memory an earlier record's reader is reading. The typed views are
// recycled (event.Share, Unshare, Return), so the processor also runs behind an asynchronous
// hop, as behind a batch processor: it may take a view while the receiver shares it and still
// read it after the receiver let go.
func TestRecordsOutliveTheirRequest(t *testing.T) {
	data, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "order 0"
	if bytes.Count(data, []byte(marker)) != 1 {
		t.Fatalf("the fixture should name %q once", marker)
	}
	t.Run("synchronous pipeline", func(t *testing.T) { checkRecordsOutlive(t, data, marker, false) })
	t.Run("processor behind an asynchronous hop", func(t *testing.T) { checkRecordsOutlive(t, data, marker, true) })
}

func checkRecordsOutlive(t *testing.T, data []byte, marker string, async bool) {
	var mu sync.Mutex
	var kept []keptLogs
	readers := sync.WaitGroup{}
	keeper, err := consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
		snap, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
		if err != nil {
			return err
		}
		mu.Lock()
		kept = append(kept, keptLogs{ld: ld, json: snap})
		mu.Unlock()
		// A queue's consumer reads the records after the request was answered, while others arrive.
		readers.Add(1)
		go func() {
			defer readers.Done()
			_, _ = (&plog.JSONMarshaler{}).MarshalLogs(ld)
		}()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pcfg := errorgroupingprocessor.NewFactory().CreateDefaultConfig()
	grouping, err := errorgroupingprocessor.NewFactory().CreateLogs(context.Background(),
		processortest.NewNopSettings(errorgroupingprocessor.NewFactory().Type()), pcfg, keeper)
	if err != nil {
		t.Fatal(err)
	}
	if err := grouping.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer grouping.Shutdown(context.Background())
	first := consumer.Logs(grouping)
	var hops sync.WaitGroup
	if async {
		first, err = consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
			hops.Go(func() {
				if err := grouping.ConsumeLogs(context.Background(), ld); err != nil {
					t.Error(err)
				}
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	h := startHarness(t, func(_ *Config, cs *consumers) {
		cs.logs = first
		cs.now = receivedShortlyAfterSent(t, data)
	})

	// Requests of different sizes, so that a recycled buffer would be overwritten in part.
	const senders, perSender = 4, 25
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perSender {
				n := s*perSender + i
				mark := fmt.Sprintf("order %d%s", n, strings.Repeat("x", n%5*300))
				body := bytes.Replace(data, []byte(marker), []byte(mark), 1)
				if a := h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1}, body); a.status != 200 {
					t.Errorf("request %d: status %d %s %v", n, a.status, a.Detail, a.Causes)
				}
			}
		}()
	}
	wg.Wait()
	hops.Wait()
	readers.Wait()

	mu.Lock()
	defer mu.Unlock()
	seen := map[string]bool{}
	for _, k := range kept {
		now, err := (&plog.JSONMarshaler{}).MarshalLogs(k.ld)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(now, k.json) {
			t.Fatalf("a record changed after its request was answered:\nthen %s\nnow  %s", k.json, now)
		}
		// Group commit may have merged several requests' records into one call.
		for _, rl := range k.ld.ResourceLogs().All() {
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				attrs := lr.Attributes()
				msg, _ := attrs.Get(attrkey.ExceptionMessage)
				title, _ := attrs.Get(attrkey.GroupTitle)
				event, _ := attrs.Get(attrkey.Event)
				mark := msg.Str()[strings.Index(msg.Str(), "order "):]
				mark = strings.TrimRight(mark, "x") // the title is cut short, the number is not
				if seen[mark] {
					t.Fatalf("two records carry %q", mark)
				}
				seen[mark] = true
				if !strings.Contains(title.Str(), mark) || !strings.Contains(event.Str(), mark) {
					t.Fatalf("the record of %q has title %q and an event without it", mark, title.Str())
				}
			}
		}
	}
	if len(seen) != senders*perSender {
		t.Fatalf("kept %d records, want %d", len(seen), senders*perSender)
	}
}

type keptLogs struct {
	ld   plog.Logs
	json []byte
}
