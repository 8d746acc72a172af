//go:build !linux

package hugepage

// SystemMode is Unknown off Linux.
func SystemMode() Mode { return Unknown }

func adviseOnce(*Report, map[[2]uintptr]bool) {}
