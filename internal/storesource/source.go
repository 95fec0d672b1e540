// Package storesource is the sourcemap.Source over the artifact bundles `sentry-cli sourcemaps
// upload` put into the issue store: debug-id lookups and release/dist/URL lookups answer from the
// project's own bundles only, the newest upload first.
//
// It joins two packages that must not know each other: the store (which keeps uploads without
// knowing what a source map is) and sourcemap (which resolves frames without knowing where
// artifacts live).
package storesource

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/faultline/faultline/internal/sourcemap"
	"github.com/faultline/faultline/internal/store"
)

// Source finds uploaded artifacts in the store a Provider owns. It asks the Provider on every
// lookup, so it may be created before the store is open.
type Source struct {
	p store.Provider
}

var _ sourcemap.Source = (*Source)(nil)

// New returns a Source over the provider's store.
func New(p store.Provider) *Source { return &Source{p: p} }

// ByDebugID implements sourcemap.Source.
func (s *Source) ByDebugID(ctx context.Context, project, debugID string, kind sourcemap.Kind) (*sourcemap.File, error) {
	id, st, err := s.lookup(project)
	if err != nil {
		return nil, err
	}
	a, err := st.ArtifactByDebugID(ctx, id, debugID, string(kind))
	return file(ctx, st, a, err, sourcemap.ResolvedDebugID)
}

// ByURL implements sourcemap.Source.
func (s *Source) ByURL(ctx context.Context, project, release, dist, name string) (*sourcemap.File, error) {
	id, st, err := s.lookup(project)
	if err != nil {
		return nil, err
	}
	a, err := st.ArtifactByURL(ctx, id, release, dist, name)
	return file(ctx, st, a, err, sourcemap.ResolvedRelease)
}

func (s *Source) lookup(project string) (int64, store.Store, error) {
	id, err := strconv.ParseInt(project, 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, sourcemap.ErrNotFound // uploads belong to numeric project ids only
	}
	st := s.p.Store()
	if st == nil {
		return 0, nil, errors.New("the issue store is not open")
	}
	return id, st, nil
}

func file(ctx context.Context, st store.Store, a *store.Artifact, err error, resolvedWith string) (*sourcemap.File, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, sourcemap.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("uploaded artifacts: %w", err)
	}
	return &sourcemap.File{
		// A bundle's checksum and a path inside it name the same bytes in every project.
		Key:          "upload:" + a.Checksum + "!" + a.Path,
		URL:          a.URL,
		Headers:      a.Headers,
		ResolvedWith: resolvedWith,
		// Not bound to the lookup's cancellation: what Read returns is cached for every later event.
		Read: func() ([]byte, error) { return st.ArtifactContent(context.WithoutCancel(ctx), a.Bundle, a.Path) },
	}, nil
}
