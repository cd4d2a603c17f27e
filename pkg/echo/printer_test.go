package echo

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/stats"
)

func TestEventVocabulary(t *testing.T) {
	clitest.CheckEvents(t, benchEvent{}, statsEvent{})
}

// timeField is an event's time, which changes from run to run.
var timeField = regexp.MustCompile(`"time":"[^"]*"`)

// The events' keys stay in the alphabetical order they had as maps.
func TestEventBytes(t *testing.T) {
	tests := []struct {
		name  string
		print func(p printer)
		want  string
	}{
		{"bench", func(p printer) {
			p.bench(BenchResult{Flows: 2, RoundTrips: 7218, Bytes: 923904, Elapsed: 200 * time.Millisecond,
				RTT: stats.Summary{P50: 43675, P90: 68339, P99: 217532}}, 64)
		}, `{"bytes":923904,"elapsed_ms":200,"flows":2,"lost":0,"per_second":36090,"round_trips":7218,` +
			`"rtt_p50_ms":0.043675,"rtt_p90_ms":0.068339,"rtt_p99_ms":0.217532,"size":64,"type":"bench"}` + "\n"},
		{"stats", func(p printer) {
			p.stats(statsReport{final: true, kernel: map[string]int64{"TcpExtListenOverflows": 1, "TcpExtListenDrops": 2},
				shards: []shardSnapshot{{Shard: 0, Packets: 3, Bytes: 4, Dropped: 5}}})
		}, `{"final":true,"kernel":{"TcpExtListenDrops":2,"TcpExtListenOverflows":1},` +
			`"shards":[{"shard":0,"packets":3,"bytes":4,"dropped":5}],"time":"T","type":"stats"}` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tc.print(jsonPrinter{cli.NewNDJSON(&out)})
			got := timeField.ReplaceAll(out.Bytes(), []byte(`"time":"T"`))
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
