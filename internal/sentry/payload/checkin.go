package payload

import "fmt"

// CheckIn is a cron monitor `check_in` item.
type CheckIn struct {
	ID          string // check_in_id
	MonitorSlug string
	Status      string // in_progress, ok, error (also missed, timeout from the server side)
	// Duration is in seconds; HasDuration tells a sent 0 from an absent value.
	Duration    float64
	HasDuration bool
	Environment string
	Release     string
	// MonitorConfig is the upsert configuration (schedule, margins, timezone) as compact JSON, "" when absent.
	MonitorConfig string
	Trace         TraceContext
}

// DecodeCheckIn decodes a `check_in` item; monitor_slug and status are required.
func DecodeCheckIn(raw []byte) (*CheckIn, error) {
	c := &CheckIn{}
	err := parseObject("check-in", raw, func(v node) error {
		c.ID = eventID(str(v, "check_in_id"))
		c.MonitorSlug = str(v, "monitor_slug")
		c.Status = str(v, "status")
		if c.MonitorSlug == "" || c.Status == "" {
			return fmt.Errorf("decode %s: monitor_slug %q and status %q are both required", named("check-in", c.ID), c.MonitorSlug, c.Status)
		}
		c.Duration, c.HasDuration = number(v, "duration")
		c.Environment = str(v, "environment")
		c.Release = str(v, "release")
		c.MonitorConfig = rawJSON(v, "monitor_config")
		c.Trace = traceContext(v.Get("contexts", "trace"))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
