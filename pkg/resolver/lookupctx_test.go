package resolver

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLookupCtx: a lookup's context ends at its deadline, or its parent's
// if earlier, or when its parent is cancelled, whether or not Done was
// asked for before.
func TestLookupCtx(t *testing.T) {
	c := newLookupCtx(context.Background(), 20*time.Millisecond)
	defer c.stop()
	if err := c.Err(); err != nil {
		t.Fatalf("Err before the deadline: %v", err)
	}
	time.Sleep(25 * time.Millisecond)
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err after the deadline, without Done: %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Error("Done asked for after the deadline never closed")
	}

	c = newLookupCtx(context.Background(), time.Hour)
	done := c.Done()
	child, cancelChild := context.WithCancel(c)
	defer cancelChild()
	c.stop()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Error("stop left Done open")
	}
	select {
	case <-child.Done():
	case <-time.After(time.Second):
		t.Error("a child outlived its lookup's context")
	}

	parent, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	c = newLookupCtx(parent, time.Hour)
	defer c.stop()
	if d, _ := c.Deadline(); d.After(time.Now().Add(time.Second)) {
		t.Errorf("deadline %v, not the parent's", d)
	}
	cancel()
	if err := c.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after the parent's cancel: %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Error("Done stayed open after the parent's cancel")
	}
}
