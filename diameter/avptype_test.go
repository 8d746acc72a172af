package diameter

import (
	"testing"

	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
)

// avpType answers as the dictionary does, from its cache too, and the
// cache stops growing at its bound however many made-up codes arrive.
func TestAVPTypeCacheAnswersAsTheDictionary(t *testing.T) {
	for range 2 { // the second round is served from the cache
		if typ, name, ok := avpType(16777251, avp.ULRFlags, 10415); !ok || typ != datatype.Unsigned32Type || name != "ULR-Flags" {
			t.Fatalf("ULR-Flags: %v %q %v", typ, name, ok)
		}
		if typ, _, ok := avpType(0, avp.OriginHost, 0); !ok || typ != datatype.DiameterIdentityType {
			t.Fatalf("Origin-Host: %v %v", typ, ok)
		}
	}
	for code := uint32(1 << 30); code < 1<<30+2*maxCachedAVPs; code++ {
		_, _, ok := avpType(16777251, code, 99999)
		if _, err := dict.Default.FindAVPByCode(16777251, code, 99999); ok != (err == nil) {
			t.Fatalf("code %d: cached %v, dictionary %v", code, ok, err)
		}
	}
	if n := avpTypesCount.Load(); n > maxCachedAVPs {
		t.Fatalf("%d cached AVP types, bound %d", n, maxCachedAVPs)
	}
}
