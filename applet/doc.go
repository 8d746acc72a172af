// Package applet will hold the multi-IMSI SIM applet model: the preferred
// IMSI profile per country, fallback after registration failures, and the
// return to the preferred profile (issue #3). It is not written yet: until
// then every device's SIM carries one IMSI, taken from its fleet's range.
package applet
