package store

import "time"

// releaseOrder compares two releases of a project (-1, 0, +1) following the rules in release.go.
type releaseOrder func(a, b string) (int, error)

// applyEvent moves an issue through its lifecycle for one newly stored event. It is called after
// the event was counted (is.TimesSeen includes it), in the order events were received.
//
//   - resolved "now": an event received after the resolution reopens the issue as regressed;
//     one received before it (in flight while someone clicked resolve) does not.
//   - resolved in release B: an event from B or a newer release regresses it; older releases and
//     events without a release do not.
//   - resolved in the next release after B: only an event from a release newer than B regresses
//     it (B empty: any event with a release); events without a release do not.
//   - ignored until a time or until a total count: the first event past the condition brings
//     the issue back as unresolved/escalating; ignored forever stays ignored.
func applyEvent(is *Issue, release string, received time.Time, order releaseOrder) error {
	switch is.Status {
	case StatusResolved:
		regress := false
		switch is.Resolution {
		case ResolvedInRelease:
			if release != "" {
				c, err := order(release, is.ResolutionRelease)
				if err != nil {
					return err
				}
				regress = c >= 0
			}
		case ResolvedInNextRelease:
			if release != "" {
				if is.ResolutionRelease == "" {
					regress = true
				} else {
					c, err := order(release, is.ResolutionRelease)
					if err != nil {
						return err
					}
					regress = c > 0
				}
			}
		default:
			regress = received.After(is.ResolvedAt)
		}
		if regress {
			setUnresolved(is, SubstatusRegressed)
		}
	case StatusIgnored:
		if (!is.IgnoreUntil.IsZero() && received.After(is.IgnoreUntil)) ||
			(is.IgnoreUntilCount > 0 && is.TimesSeen >= is.IgnoreUntilCount) {
			setUnresolved(is, SubstatusEscalating)
		}
	}
	return nil
}

func setUnresolved(is *Issue, substatus string) {
	is.Status = StatusUnresolved
	is.Substatus = substatus
	is.Resolution, is.ResolutionRelease, is.ResolvedAt = "", "", time.Time{}
	is.IgnoreUntil, is.IgnoreUntilCount, is.IgnoreCount = time.Time{}, 0, 0
}

// applyStatus applies a requested status change to an issue at u.Now.
func applyStatus(is *Issue, u StatusUpdate) error {
	switch u.Status {
	case StatusUnresolved:
		setUnresolved(is, SubstatusOngoing)
	case StatusResolved:
		setUnresolved(is, "")
		is.Status = StatusResolved
		is.ResolvedAt = u.Now
		switch u.Resolution {
		case "", ResolvedNow:
			is.Resolution = ResolvedNow
		case ResolvedInRelease:
			if u.Release == "" {
				return &InputError{Msg: "resolving in a release needs the release"}
			}
			is.Resolution, is.ResolutionRelease = ResolvedInRelease, u.Release
		case ResolvedInNextRelease:
			// The release the issue was last seen in is the broken one; anything newer is "next".
			is.Resolution, is.ResolutionRelease = ResolvedInNextRelease, is.LastRelease
		default:
			return &InputError{Msg: "unknown resolution " + u.Resolution}
		}
	case StatusIgnored:
		setUnresolved(is, "")
		is.Status = StatusIgnored
		is.Substatus = SubstatusForever
		if !u.IgnoreUntil.IsZero() {
			is.IgnoreUntil = u.IgnoreUntil
			is.Substatus = SubstatusUntil
		}
		if u.IgnoreCount > 0 {
			is.IgnoreCount = u.IgnoreCount
			is.IgnoreUntilCount = is.TimesSeen + u.IgnoreCount
			is.Substatus = SubstatusUntil
		}
	default:
		return &InputError{Msg: "unknown status " + u.Status}
	}
	return nil
}

// InputError reports a request the store refuses because of its content.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }
