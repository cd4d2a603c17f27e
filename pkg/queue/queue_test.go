package queue

import "testing"

func TestOffer(t *testing.T) {
	ch := make(chan int, 2)
	var d Drops
	for i := range 5 {
		got := Offer(ch, i, &d)
		if want := i < 2; got != want {
			t.Errorf("Offer(%d) = %v, want %v", i, got, want)
		}
	}
	if d.Count() != 3 || len(ch) != 2 || <-ch != 0 {
		t.Errorf("%d dropped, %d queued; want 3 and 2, oldest first", d.Count(), len(ch))
	}
}
