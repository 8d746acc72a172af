package main

import (
	"os"
	"syscall"
	"unsafe"
)

// windowColumns asks the terminal for its width (TIOCGWINSZ); 0 if it
// cannot say.
func windowColumns(f *os.File) int {
	var ws struct{ Row, Col, X, Y uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws)))
	if errno != 0 {
		return 0
	}
	return int(ws.Col)
}
