// Package reference holds benchmarks of what core-sim is built on, with
// none of core-sim around it: go-diameter's own client and server
// exchanging the same ULR/ULA as the HLR, and bare UDP request/response on
// loopback. `make bench` runs them beside core-sim's own benchmarks, so
// that each "alone" figure can be read against its reference measured on
// the same machine in the same run.
package reference
