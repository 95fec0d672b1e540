package errorgroupingprocessor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/component"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/internal/sourcemap"
	"github.com/faultline/faultline/internal/store"
	"github.com/faultline/faultline/internal/storesource"
)

// start builds the symbolicator from the configured sources; the uploads of the issuestore
// extension can only be found once the host knows its extensions.
func (p *groupingProcessor) start(_ context.Context, host component.Host) error {
	if err := p.checkProject(host); err != nil {
		return err
	}
	var sources firstOf
	if id := p.sourcemaps.Extension; id != nil {
		ext, ok := host.GetExtensions()[*id]
		if !ok {
			return fmt.Errorf("errorgrouping: sourcemaps::extension %q is not configured (add it under extensions: and service::extensions)", id)
		}
		provider, ok := ext.(store.Provider)
		if !ok {
			return fmt.Errorf("errorgrouping: sourcemaps::extension %q is not an issuestore extension", id)
		}
		sources = append(sources, storesource.New(provider))
	}
	if p.sourcemaps.Directory != "" {
		sources = append(sources, sourcemap.NewDir(p.sourcemaps.Directory))
	}
	if len(sources) > 0 {
		p.symbolicator = sourcemap.New(sources, sourcemap.Options{CacheBytes: p.sourcemaps.CacheSizeMiB << 20})
	}
	return nil
}

// firstOf asks each source in turn; the first that has the file answers.
type firstOf []sourcemap.Source

func (f firstOf) ByDebugID(ctx context.Context, project, debugID string, kind sourcemap.Kind) (*sourcemap.File, error) {
	return f.first(func(s sourcemap.Source) (*sourcemap.File, error) { return s.ByDebugID(ctx, project, debugID, kind) })
}

func (f firstOf) ByURL(ctx context.Context, project, release, dist, name string) (*sourcemap.File, error) {
	return f.first(func(s sourcemap.Source) (*sourcemap.File, error) { return s.ByURL(ctx, project, release, dist, name) })
}

// first returns the first file found; when none has it, ErrNotFound unless a source failed.
func (f firstOf) first(lookup func(sourcemap.Source) (*sourcemap.File, error)) (*sourcemap.File, error) {
	var errs []error
	for _, s := range f {
		file, err := lookup(s)
		if err == nil {
			return file, nil
		}
		if !errors.Is(err, sourcemap.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return nil, sourcemap.ErrNotFound
}

// checkProject makes sure, with projects_from, that the project OTel exceptions are stored in is
// one the extension defines: otherwise they would land in a project no one can see.
func (p *groupingProcessor) checkProject(host component.Host) error {
	id := p.projectsFrom
	if id == nil {
		return nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return fmt.Errorf("errorgrouping: projects_from: extension %q is not configured (add it under extensions: and service::extensions)", id)
	}
	provider, ok := ext.(projectdef.Provider)
	if !ok {
		return fmt.Errorf("errorgrouping: projects_from: extension %q does not define projects (use the issuestore extension)", id)
	}
	var ids []string
	for _, d := range provider.Projects() {
		if d.ID == p.otel.ProjectID {
			if p.otel.Scrubbing == nil && d.Scrubbing != nil {
				// The project's own scrubbing, as the sentry receiver applies it.
				s, err := d.Scrubbing.Compile(fmt.Sprintf("errorgrouping: project %d of extension %q", d.ID, id))
				if err != nil {
					return err
				}
				p.scrubber = s
			}
			return nil
		}
		ids = append(ids, strconv.FormatInt(d.ID, 10))
	}
	return fmt.Errorf("errorgrouping: otel_exceptions::project_id %d is not a project of extension %q (it defines %s)", p.otel.ProjectID, id, strings.Join(ids, ", "))
}
