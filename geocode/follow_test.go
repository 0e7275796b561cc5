package geocode_test

import (
	"context"
	"testing"
	"time"

	"gridmap/geocode"
	"gridmap/geocode/geocodetest"
)

// TestFresh: an address committed with a version bump is geocoded within
// a second; a version that changed no address re-tags the index.
func TestFresh(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.live.Run(ctx)
	go f.holder.Run(ctx)

	x := f.addrs[0]
	x.Road, x.Number, x.Compound, x.Building, x.Entrance, x.Room, x.Group = "测试新大道", "1", "", "", "", "", ""
	if x.Village == "" {
		t.Fatal("the first address has no village")
	}
	if a := f.holder.Current().Geocode(x.Text()); a.Status == geocode.Matched {
		t.Fatalf("%s matched before it was added: %+v", x.Text(), a)
	}
	added := []geocodetest.Address{x}
	if _, err := geocodetest.Insert(ctx, f.st, added); err != nil {
		t.Fatal(err)
	}
	committed := time.Now()
	for {
		a := f.holder.Current().Geocode(x.Text())
		if a.Status == geocode.Matched && a.Address.ID == added[0].ID && a.Address.Grid == x.Grid {
			t.Logf("geocoded %s %s after its commit", x.Text(), time.Since(committed).Round(time.Millisecond))
			break
		}
		if time.Since(committed) > time.Second {
			t.Fatalf("%s not geocoded 1 s after its commit: %+v (index version %d)", x.Text(), a, f.holder.Current().Version())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if f.holder.Current().Stats().Reused {
		t.Error("the index after an added address says it reused the previous one")
	}

	var v int64
	if err := f.st.Pool().QueryRow(ctx, `SELECT bump_dataset_version('nothing about addresses')`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	if err := f.holder.WaitFor(wctx, v); err != nil {
		t.Fatalf("index never reached version %d: %v", v, err)
	}
	if st := f.holder.Current().Stats(); !st.Reused || st.Version != v {
		t.Errorf("after a version without address changes: %+v, want the index re-tagged with version %d", st, v)
	}
}

// TestMergeKeepsFresh: past MergeAt the overlay is merged into a new base
// in the background; the address added stays geocoded throughout, and
// the merged index holds no overlay.
func TestMergeKeepsFresh(t *testing.T) {
	f := newFixture(t)
	f.holder.MergeAt = 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.live.Run(ctx)
	go f.holder.Run(ctx)

	x := f.addrs[len(f.addrs)/2]
	x.Road, x.Number, x.Compound, x.Building, x.Entrance, x.Room, x.Group = "合并测试路", "3", "", "", "", "", ""
	added := []geocodetest.Address{x}
	v, err := geocodetest.Insert(ctx, f.st, added)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	sawOverlay := false
	for {
		ix := f.holder.Current()
		if ix.Version() >= v {
			a := ix.Geocode(x.Text())
			if a.Status != geocode.Matched || a.Address.ID != added[0].ID || a.Address.Grid != x.Grid {
				t.Fatalf("index of version %d (overlay %d): %+v, want %s matched", ix.Version(), ix.Stats().Overlay, a, x.Text())
			}
			if ix.Stats().Overlay > 0 {
				sawOverlay = true
			} else if sawOverlay {
				t.Logf("merged: %+v", ix.Stats())
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not merged a minute after: %+v (saw an overlay: %v)", f.holder.Current().Stats(), sawOverlay)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
