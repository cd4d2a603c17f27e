// Package queue is how every receiver in the suite hands what the network
// sent to the goroutine that uses it: without ever blocking, and in
// bounded batches. A receiver that blocked on a full channel stopped
// reading its socket and kept Close waiting; one that read until the
// socket was empty never returned while a flood lasted, and gathered
// what it read without bound. Under a flood a receiver drops what does
// not fit and counts it; the kernel's socket buffer, which is bounded,
// holds the rest.
package queue

import "sync/atomic"

// Batch is the most a receiver reads in one wake-up before it hands over
// what it read and looks at its stop signals again: a flood that keeps
// the socket readable cannot keep it reading.
const Batch = 64

// Drops counts what a receiver dropped because its queue was full.
type Drops struct{ n atomic.Uint64 }

// Count is how many were dropped so far.
func (d *Drops) Count() uint64 { return d.n.Load() }

// Offer puts v on ch if there is room, and otherwise drops it and counts
// the drop in d. It reports whether v was queued.
func Offer[T any](ch chan<- T, v T, d *Drops) bool {
	select {
	case ch <- v:
		return true
	default:
		d.n.Add(1)
		return false
	}
}
