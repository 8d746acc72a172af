package ggsn

import "testing"

// keyOf tells apart IMSIs that differ only in leading zeros or length,
// and keys anything that is not 1 to 15 digits by its string.
func TestKeyOfIsOneToOne(t *testing.T) {
	imsis := []string{"", "0", "00", "1", "01", "001", "999999999999999", "099999999999999", "9999999999999999",
		"1234567890123456", "12345a", "12345 ", "295050900000001", "295050900000002"}
	seen := map[subscriberKey]string{}
	words := map[uint64]string{}
	for _, imsi := range imsis {
		for _, nsapi := range []uint8{5, 6} {
			k := keyOf(imsi, nsapi)
			if prev, dup := seen[k]; dup {
				t.Fatalf("keyOf(%q, %d) = keyOf(%s)", imsi, nsapi, prev)
			}
			seen[k] = imsi
			if k.other == "" {
				if prev, dup := words[k.word()]; dup {
					t.Fatalf("keyOf(%q, %d).word() = that of %s", imsi, nsapi, prev)
				}
				words[k.word()] = imsi
			}
			if (k.other != "") != (imsi != "" && len(imsi) > 15 || imsi == "12345a" || imsi == "12345 ") {
				t.Errorf("keyOf(%q): %+v", imsi, k)
			}
		}
	}
}
