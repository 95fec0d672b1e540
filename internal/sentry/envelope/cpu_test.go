package envelope

import "syscall"

// processCPU is the CPU time (user + system, all threads) the process has used, in nanoseconds.
// Benchmarks report it per operation beside wall time, because the shared 2-core machine makes
// wall time depend on what everyone else runs.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
