package applet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	seven := make([]Profile, 7)
	for i := range seven {
		seven[i] = Profile{Name: string(rune('A' + i)), IMSI: "90128000000000" + string(rune('0'+i))}
	}
	tests := []struct {
		name string
		edit func(*Config)
		want []string // substrings of the error; none = valid
	}{
		{"valid", nil, nil},
		{"valid with fallback order and durations", func(c *Config) {
			c.FallbackOrder = []string{"C", "A"}
			c.FallbackAfterFailures = 3
			c.MinDwell = time.Hour
		}, nil},
		{"six profiles", func(c *Config) { c.Profiles = seven[:6]; c.Preferred = nil }, nil},
		{"no HomePLMN", func(c *Config) { c.Profiles[0].HomePLMN = "" }, nil},
		{"no profiles", func(c *Config) { c.Profiles = nil }, []string{"Profiles is empty", `Default names unknown profile "A"`}},
		{"seven profiles", func(c *Config) { c.Profiles = seven; c.Preferred = nil }, []string{"Profiles has 7 profiles, a SIM holds at most 6"}},
		{"empty name", func(c *Config) { c.Profiles[1].Name = "" }, []string{"Profiles[1].Name is empty"}},
		{"duplicate name", func(c *Config) { c.Profiles[2].Name = "A" }, []string{`Profiles[2].Name "A" is also Profiles[0]'s`}},
		{"duplicate IMSI", func(c *Config) { c.Profiles[1].IMSI = c.Profiles[0].IMSI; c.Profiles[1].HomePLMN = "" },
			[]string{`Profiles[1].IMSI "295050900000001" is also Profiles[0]'s`}},
		{"IMSI too short", func(c *Config) { c.Profiles[0].IMSI = "29505"; c.Profiles[0].HomePLMN = "" }, []string{`Profiles[0].IMSI "29505" is not 6 to 15 digits`}},
		{"IMSI too long", func(c *Config) { c.Profiles[0].IMSI = "2950509000000011" }, []string{"Profiles[0].IMSI", "not 6 to 15 digits"}},
		{"IMSI not digits", func(c *Config) { c.Profiles[0].IMSI = "29505090000000x" }, []string{"Profiles[0].IMSI", "not 6 to 15 digits"}},
		{"bad HomePLMN", func(c *Config) { c.Profiles[2].HomePLMN = "3102" }, []string{`Profiles[2].HomePLMN "3102" is not an MCC+MNC`}},
		{"IMSI of another PLMN", func(c *Config) { c.Profiles[1].HomePLMN = "23415" }, []string{`Profiles[1].IMSI "234500000000001" does not start with its HomePLMN "23415"`}},
		{"Preferred names an unknown profile", func(c *Config) { c.Preferred["262"] = "Z" }, []string{`Preferred["262"] names unknown profile "Z"`}},
		{"Preferred key not an MCC", func(c *Config) { c.Preferred["26201"] = "A" }, []string{`Preferred key "26201" is not an MCC of 3 digits`}},
		{"no Default", func(c *Config) { c.Default = "" }, []string{"Default is empty"}},
		{"unknown Default", func(c *Config) { c.Default = "Z" }, []string{`Default names unknown profile "Z"`}},
		{"unknown in FallbackOrder", func(c *Config) { c.FallbackOrder = []string{"A", "Z"} }, []string{`FallbackOrder[1] names unknown profile "Z"`}},
		{"duplicate in FallbackOrder", func(c *Config) { c.FallbackOrder = []string{"A", "B", "A"} }, []string{`FallbackOrder[2] "A" is also FallbackOrder[0]`}},
		{"negative count", func(c *Config) { c.FallbackAfterFailures = -1 }, []string{"FallbackAfterFailures is negative (-1)"}},
		{"negative durations", func(c *Config) {
			c.FallbackAfterNoService = -time.Second
			c.ReturnToPreferredAfter = -time.Hour
			c.MinDwell = -time.Minute
			c.RefreshDelay = -time.Millisecond
		}, []string{
			"FallbackAfterNoService is negative (-1s)",
			"ReturnToPreferredAfter is negative (-1h0m0s)",
			"MinDwell is negative (-1m0s)",
			"RefreshDelay is negative (-1ms)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := testConfig(tt.edit).Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("valid config: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v does not wrap ErrInvalidConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if _, nerr := New(testConfig(tt.edit), t0); nerr == nil || nerr.Error() != err.Error() {
				t.Errorf("New: %v, want Validate's error", nerr)
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	var c *Config
	if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("nil Config: %v", err)
	}
	if _, err := New(nil, t0); err == nil {
		t.Fatal("New accepted a nil Config")
	}
}

// TestValidateStable checks that the errors come out in the same order
// whatever the map's iteration order.
func TestValidateStable(t *testing.T) {
	c := testConfig(func(c *Config) {
		for _, mcc := range []string{"1", "22", "4444", "x", "y", "z"} {
			c.Preferred[mcc] = "?"
		}
	})
	first := c.Validate().Error()
	for range 20 {
		if got := c.Validate().Error(); got != first {
			t.Fatalf("errors changed order:\n%s\n%s", first, got)
		}
	}
}
