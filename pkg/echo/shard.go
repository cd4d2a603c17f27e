package echo

import (
	"sync/atomic"
)

// shardStats counts one shard's work.
type shardStats struct {
	Packets atomic.Int64 // datagrams echoed (UDP) or connections served (TCP)
	Bytes   atomic.Int64 // bytes echoed
	Dropped atomic.Int64 // datagrams the guard refused (UDP), connections refused (TCP)
}

// shardSnapshot is a copy of one shard's counters.
type shardSnapshot struct {
	Shard   int   `json:"shard"`
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
	Dropped int64 `json:"dropped"`
}

func snapshots(stats []*shardStats) []shardSnapshot {
	out := make([]shardSnapshot, len(stats))
	for i, s := range stats {
		out[i] = shardSnapshot{Shard: i, Packets: s.Packets.Load(), Bytes: s.Bytes.Load(), Dropped: s.Dropped.Load()}
	}
	return out
}
