package resolver

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// lookupCtx is a resolution's context: its parent's, ending at the
// resolution's deadline. It sets a timer (context.WithDeadline) only once
// something waits on Done: most lookups only read the deadline (their
// sockets' read deadlines) and Err, and a timer per lookup, with the
// parent's lock taken twice to register and drop it, cost a batch of names
// 3% of gdig's CPU. As ctxErr, Err says DeadlineExceeded as soon as the
// deadline has passed, though Done may close a moment later.
type lookupCtx struct {
	parent   context.Context
	deadline time.Time
	mu       sync.Mutex // making timed
	timed    atomic.Pointer[timedCtx]
}

// timedCtx is the context.WithDeadline a lookupCtx makes once asked for
// Done.
type timedCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// newLookupCtx is parent's context ending within d at the latest.
func newLookupCtx(parent context.Context, d time.Duration) *lookupCtx {
	dl := time.Now().Add(d)
	if pd, ok := parent.Deadline(); ok && pd.Before(dl) {
		dl = pd
	}
	return &lookupCtx{parent: parent, deadline: dl}
}

func (c *lookupCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done makes the timer, the first time.
func (c *lookupCtx) Done() <-chan struct{} {
	if t := c.timed.Load(); t != nil {
		return t.ctx.Done()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.timed.Load()
	if t == nil {
		t = &timedCtx{}
		t.ctx, t.cancel = context.WithDeadline(c.parent, c.deadline)
		c.timed.Store(t)
	}
	return t.ctx.Done()
}

func (c *lookupCtx) Err() error {
	if t := c.timed.Load(); t != nil {
		if err := t.ctx.Err(); err != nil {
			return err
		}
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value is the parent's, or once there is a timer its context's: the
// contexts made from this one then find its cancellation there (context's
// own fast path) rather than watching Done from a goroutine each.
func (c *lookupCtx) Value(key any) any {
	if t := c.timed.Load(); t != nil {
		return t.ctx.Value(key)
	}
	return c.parent.Value(key)
}

// stop releases the timer, if any: the lookup is over.
func (c *lookupCtx) stop() {
	if t := c.timed.Load(); t != nil {
		t.cancel()
	}
}
