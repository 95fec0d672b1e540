// Package filelogreceiver is contrib's filelog receiver with Faultline's stanza operator
// `exception_parser` registered, so that a filelog pipeline can turn the stack traces in log
// files into issues. It adds nothing else: the type, config and behaviour are contrib's
// (github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver).
//
// Why a wrapper: stanza operators register themselves in a process-wide registry from an init
// function, so a collector knows an operator only if its binary imports the operator's package.
// ocb's manifest lists components by the package that provides NewFactory and has no entry
// for a bare import, and the alternatives are worse: a blank import in one of our other
// components would tie the operator to a component that does not use it, and a patched main
// would leave ocb. Listing this package instead of contrib's filelog receiver (not beside it:
// both have the type `filelog`) registers the operator for every stanza receiver of the binary,
// journald and syslog included.
package filelogreceiver

import (
	contrib "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	"go.opentelemetry.io/collector/receiver"

	// The stack-trace operator, registered with stanza by its init.
	_ "github.com/faultline/faultline/operator/exceptionparser"
)

// NewFactory returns contrib's filelog receiver factory.
func NewFactory() receiver.Factory { return contrib.NewFactory() }
