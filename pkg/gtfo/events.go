package gtfo

import "gnetutils/pkg/kstat"

// gtfo's NDJSON events (--json), one type per kind of line, by command.

// getReply is one answered connection of gtfo get.
type getReply struct {
	Type        string  `json:"type"` // "reply"
	Addr        string  `json:"addr"`
	Seq         int     `json:"seq"`
	TFO         bool    `json:"tfo"`
	ConnectMS   float64 `json:"connect_ms"`
	FirstByteMS float64 `json:"first_byte_ms"`
	TotalMS     float64 `json:"total_ms"`
	Status      int     `json:"status"`
	Size        int64   `json:"size"`
	SynData     bool    `json:"syn_data"`
	Why         string  `json:"syn_data_why,omitempty"`
	Time        string  `json:"time"`
}

// getError is a connection of gtfo get that failed.
type getError struct {
	Type  string `json:"type"` // "error"
	Addr  string `json:"addr"`
	Seq   int    `json:"seq"`
	Error string `json:"error"`
	Time  string `json:"time"`
}

// getSummary ends gtfo get.
type getSummary struct {
	Type          string  `json:"type"` // "summary"
	Addr          string  `json:"addr"`
	Transmitted   int     `json:"connections"`
	Received      int     `json:"ok"`
	SynData       int     `json:"syn_data"`
	FirstByteMin  float64 `json:"first_byte_min_ms"`
	FirstByteMed  float64 `json:"first_byte_median_ms"`
	FirstByteP95  float64 `json:"first_byte_p95_ms"`
	FirstByteMax  float64 `json:"first_byte_max_ms"`
	TFODisabledBy string  `json:"tfo_disabled,omitempty"`
}

// caseResult is one case of gtfo compare: a row of its table, a "case"
// event, and where the case's rounds gather their samples.
type caseResult struct {
	Type     string         `json:"type"` // "case"
	Case     string         `json:"case"`
	Group    int            `json:"group"`
	Title    string         `json:"title"`
	Measure  string         `json:"measure"`
	Rounds   int            `json:"rounds"`
	OK       int            `json:"ok"`
	MedianMS float64        `json:"median_ms"`
	P95MS    float64        `json:"p95_ms"`
	MinMS    float64        `json:"min_ms"`
	MaxMS    float64        `json:"max_ms"`
	FirstMS  float64        `json:"first_round_ms"`
	SynData  *int           `json:"syn_data,omitempty"` // TFO cases: rounds whose data rode in the SYN
	Counters kstat.Counters `json:"counters"`
	// ServerCounters are the server's, when it is a gtfo server (it serves
	// them); nil otherwise.
	ServerCounters kstat.Counters `json:"server_counters,omitempty"`
	Skipped        string         `json:"skipped,omitempty"`
	Error          string         `json:"error,omitempty"`

	samples []float64
}

// compareSummary ends gtfo compare.
type compareSummary struct {
	Type         string         `json:"type"` // "summary"
	Addr         string         `json:"addr"`
	Rounds       int            `json:"rounds"`
	RTTms        float64        `json:"rtt_ms"` // median plain connect time: one round trip
	TCPFastOpen  int            `json:"tcp_fastopen"`
	TFOSavedMS   float64        `json:"tfo_saved_ms"`
	TFOSavedRTTs float64        `json:"tfo_saved_rtts"`
	Counters     kstat.Counters `json:"counters"`
	// ServerCounters: the server's counters over the run (gtfo servers only).
	ServerCounters kstat.Counters `json:"server_counters,omitempty"`
}

// listenEvent starts gtfo serve.
type listenEvent struct {
	Type          string `json:"type"` // "listen"
	Addr          string `json:"addr"` // the listener's own address
	FastOpenQueue int    `json:"fastopen_queue"`
	Size          int    `json:"size"`
}

// connReport is one connection gtfo serve served.
type connReport struct {
	Type       string  `json:"type"` // "conn"
	Addr       string  `json:"addr"` // the client's address
	SynData    bool    `json:"syn_data"`
	SynBytes   uint64  `json:"syn_bytes,omitempty"` // bytes received by accept when the SYN carried data
	Proto      string  `json:"proto"`               // "http" or "raw"
	Requests   int     `json:"requests"`
	BytesIn    int64   `json:"bytes_in"`
	BytesOut   int64   `json:"bytes_out"`
	DurationMS float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
	Time       string  `json:"time"`
}

// serveSummary ends gtfo serve.
type serveSummary struct {
	Type        string         `json:"type"` // "summary"
	Connections int64          `json:"connections"`
	SynData     int64          `json:"syn_data"`
	Counters    kstat.Counters `json:"counters"`
	Refused     int64          `json:"refused,omitempty"` // reset beyond --max-conns
}
