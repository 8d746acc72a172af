// Package hugepage asks the kernel to back the Go heap with transparent
// huge pages where it would not by itself.
//
// A run of a million devices keeps most of a gigabyte of heap and touches
// it at random: a device, its session, its registration, the GGSN's
// context, each on a page of its own. With 4 KiB pages nearly every such
// touch also misses the TLB, and in a virtual machine a TLB miss walks two
// page tables. Linux backs anonymous memory with 2 MiB pages by itself
// only when transparent huge pages are "always"; many distributions (and
// this project's test machine) ship "madvise", where a region must ask
// (madvise MADV_HUGEPAGE), and the Go runtime does not ask for its heap.
// An Advisor (Start) does, for the mappings that hold the heap, while a
// run goes on.
package hugepage

import "time"

// Mode is the system's setting of transparent huge pages.
type Mode string

const (
	Always  Mode = "always"  // every anonymous region: nothing to ask
	Madvise Mode = "madvise" // regions that ask: the Advisor asks
	Never   Mode = "never"   // none: nothing to do
	Unknown Mode = ""        // not Linux, or no setting to read
)

// Report is what an Advisor did.
type Report struct {
	Mode     Mode
	Advised  int   // madvise calls made: once for each range a heap mapping had (one that grew is advised again)
	Bytes    int64 // the sum of those ranges' sizes
	Failures int   // madvise calls refused
	Err      error // the first refusal or failure to read the mappings
}

// Advisor advises the heap's mappings every interval until stopped.
type Advisor struct {
	stop chan struct{}
	done chan Report
}

// Stop ends the advising and reports what it did.
func (a *Advisor) Stop() Report {
	close(a.stop)
	return <-a.done
}

// Start begins advising, at once and then at each tick: first every
// fast for a while (the heap grows fastest while a fleet is built), then
// every slow. With a mode other than madvise it does nothing and says so.
func Start(fast, slow time.Duration) *Advisor {
	a := &Advisor{stop: make(chan struct{}), done: make(chan Report, 1)}
	mode := SystemMode()
	if mode != Madvise {
		a.done <- Report{Mode: mode}
		return a
	}
	go func() {
		r := Report{Mode: mode}
		seen := map[[2]uintptr]bool{}
		t := time.NewTimer(0)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-a.stop:
				a.done <- r
				return
			case <-t.C:
			}
			adviseOnce(&r, seen)
			d := slow
			if time.Since(start) < 5*time.Second {
				d = fast
			}
			t.Reset(d)
		}
	}()
	return a
}
