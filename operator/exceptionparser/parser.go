package exceptionparser

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"
)

// Parser is the exception_parser operator.
type Parser struct {
	helper.TransformerOperator
	parseFrom        entry.Field
	sourceIdentifier entry.Field

	// mu serializes the sources' state and keeps each source's lines in order on the way out:
	// entries are written while it is held, by ProcessBatch and by the flush loop alike.
	mu     sync.Mutex
	joiner joiner
	now    func() time.Time
	done   chan struct{}
	wg     sync.WaitGroup

	trimmedWarning sync.Once
}

// Start starts the loop that sends traces whose source went quiet.
func (p *Parser) Start(_ operator.Persister) error {
	p.wg.Add(1)
	go p.flushLoop()
	return nil
}

// Stop sends everything held and stops the flush loop.
func (p *Parser) Stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	close(p.done)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*entry.Entry
	for key, s := range p.joiner.sources {
		p.drain(s, &out)
		delete(p.joiner.sources, key)
	}
	p.write(context.Background(), out)
	return nil
}

func (p *Parser) flushLoop() {
	defer p.wg.Done()
	// Checking four times a period sends a quiet trace between 1 and 1.25 periods after its
	// last line.
	ticker := time.NewTicker(p.joiner.flushPeriod / 4)
	defer ticker.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-ticker.C:
			p.flush(p.now())
		}
	}
}

// flush sends the traces whose source has been quiet since before now - flush_period.
func (p *Parser) flush(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*entry.Entry
	p.flushExpired(now, &out)
	p.write(context.Background(), out)
}

func (p *Parser) write(ctx context.Context, out []*entry.Entry) {
	if len(out) == 0 {
		return
	}
	if err := p.WriteBatch(ctx, out); err != nil {
		p.Logger().Error("sending entries", zap.Error(err))
	}
}

// Process handles one entry.
func (p *Parser) Process(ctx context.Context, e *entry.Entry) error {
	return p.ProcessBatch(ctx, []*entry.Entry{e})
}

// ProcessBatch handles entries in order and writes on, in one batch, every entry that it does
// not hold back: ordinary lines, JSON records, and the traces that these entries complete.
func (p *Parser) ProcessBatch(ctx context.Context, entries []*entry.Entry) error {
	out := make([]*entry.Entry, 0, len(entries))
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range entries {
		skip, err := p.Skip(ctx, e)
		if err != nil || skip {
			out = append(out, e) // not ours to read: on its way untouched
			continue
		}
		p.processEntry(e, now, &out)
	}
	p.write(ctx, out)
	return nil
}

func (p *Parser) processEntry(e *entry.Entry, now time.Time, out *[]*entry.Entry) {
	value, ok := e.Get(p.parseFrom)
	if !ok {
		*out = append(*out, e)
		return
	}
	key := p.sourceOf(e)
	switch v := value.(type) {
	case string:
		if isJSONObject(v) {
			p.flushSource(key, now, out)
			p.readJSONText(e, v)
			*out = append(*out, e)
			return
		}
		if strings.IndexByte(v, '\n') >= 0 {
			// A whole record over several lines (journald, a recombine operator before this one, a
			// container runtime's joined partial lines): complete as it is.
			p.flushSource(key, now, out)
			readBlock(e, v)
			*out = append(*out, e)
			return
		}
		s := p.sourceFor(key, now, out)
		s.lastSeen = now
		p.addLine(s, line{entry: e, text: strings.TrimSuffix(v, "\r")}, out)
	case map[string]any:
		p.flushSource(key, now, out)
		p.readJSON(e, v)
		*out = append(*out, e)
	default:
		*out = append(*out, e)
	}
}

// sourceOf reads the entry's source identifier ("" without one). An attribute of one key, the
// default, is read from the map directly: through entry.Read it cost a quarter of the operator's
// time per line (BenchmarkExceptionParserShareOfFilelog), an error allocated for every entry
// without the attribute.
func (p *Parser) sourceOf(e *entry.Entry) string {
	if af, ok := p.sourceIdentifier.FieldInterface.(entry.AttributeField); ok && len(af.Keys) == 1 {
		key, _ := e.Attributes[af.Keys[0]].(string)
		return key
	}
	var key string
	if err := e.Read(p.sourceIdentifier, &key); err != nil {
		return ""
	}
	return key
}

// flushSource sends what a source holds before an entry that is complete in itself, so that
// the source's entries leave in order.
func (p *Parser) flushSource(key string, now time.Time, out *[]*entry.Entry) {
	if s, ok := p.joiner.sources[key]; ok {
		s.lastSeen = now
		p.drain(s, out)
	}
}
