package echo

import (
	"sync/atomic"
)

// ShardStats counts one shard's work.
type ShardStats struct {
	Packets atomic.Int64 // datagrams echoed (UDP) or connections served (TCP)
	Bytes   atomic.Int64 // bytes echoed
	Dropped atomic.Int64 // datagrams the guard refused (UDP), connections refused (TCP)
}

// Snapshot is a copy of one shard's counters.
type Snapshot struct {
	Shard   int   `json:"shard"`
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
	Dropped int64 `json:"dropped"`
}

func snapshot(stats []*ShardStats) []Snapshot {
	out := make([]Snapshot, len(stats))
	for i, s := range stats {
		out[i] = Snapshot{Shard: i, Packets: s.Packets.Load(), Bytes: s.Bytes.Load(), Dropped: s.Dropped.Load()}
	}
	return out
}
