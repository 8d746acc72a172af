package diameter

import (
	"fmt"
	"sync"
	"testing"

	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
)

// avpType answers as the dictionary does, from its cache too, and the
// cache stops growing at its bound however many made-up codes arrive.
func TestAVPTypeCacheAnswersAsTheDictionary(t *testing.T) {
	resetAVPTypes()
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
	if n := cachedAVPs(); n > maxCachedAVPs || n < maxCachedAVPs/2 {
		t.Fatalf("%d cached AVP types, bound %d (and full after %d made-up codes)", n, maxCachedAVPs, 2*maxCachedAVPs)
	}
}

// Goroutines looking up and adding the same codes at once all get the
// dictionary's answer, and each code is cached once.
func TestAVPTypeCacheConcurrent(t *testing.T) {
	resetAVPTypes()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for code := uint32(1 << 29); code < 1<<29+200; code++ {
				c := code
				if g%2 == 1 {
					c = 1<<29 + 199 - (code - 1<<29) // the other way round
				}
				if _, _, ok := avpType(16777251, c, 10415); ok {
					errs <- fmt.Errorf("made-up code %d found", c)
					return
				}
				if typ, name, ok := avpType(16777251, avp.ULRFlags, 10415); !ok || typ != datatype.Unsigned32Type || name != "ULR-Flags" {
					errs <- fmt.Errorf("ULR-Flags: %v %q %v", typ, name, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := cachedAVPs(); n != 201 {
		t.Fatalf("%d entries for 200 new codes and ULR-Flags", n)
	}
}

// resetAVPTypes empties the cache.
func resetAVPTypes() {
	avpTypesMu.Lock()
	defer avpTypesMu.Unlock()
	for i := range avpTypes {
		avpTypes[i].Store(nil)
	}
	avpTypesCount = 0
}
