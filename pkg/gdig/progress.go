package gdig

import (
	"bufio"
	"io"
	"time"

	"gnetutils/pkg/tui"
)

// batchOutput writes a batch's results, each lookup's output whole, with a
// progress line on stderr (done/total, rate, ETA) when stderr is a
// terminal: the line is cleared before each result is written and drawn
// again after it, so results and the line never share a row. When stdout
// is not a terminal, results are buffered (as dig's stdio buffers them), and
// written before anything on stderr, whenever no lookup has ended for
// flushDelay, and at the end: a write per lookup cost a batch of 10,000
// names a tenth of its CPU, and a pipe still sees results as they come.
type batchOutput struct {
	stdout, stderr io.Writer
	buf            *bufio.Writer // stdout's buffer; nil on a terminal
	bar            *tui.Progress // nil without a terminal
	idle           *time.Timer   // await's, made at its first wait
}

func newBatchOutput(stdout, stderr io.Writer, total int) *batchOutput {
	b := &batchOutput{stdout: stdout, stderr: stderr, bar: tui.NewProgress(stderr, "gdig", total)}
	if !tui.IsTerminal(stdout) {
		b.buf = bufio.NewWriterSize(stdout, 64<<10)
		b.stdout = b.buf
	}
	return b
}

// write writes one lookup's output: what it said on stderr, then stdout.
func (b *batchOutput) write(out, errOut []byte) {
	b.bar.Clear()
	if len(errOut) > 0 {
		b.flush()
		_, _ = b.stderr.Write(errOut)
	}
	if len(out) > 0 {
		_, _ = b.stdout.Write(out)
	}
	b.bar.Add(1)
}

// flushDelay is how long buffered results wait for more when no lookup
// is ready: a pipe's reader (gdig -f names | grep) still sees each
// result within it, while a busy batch writes 64 KiB at a time.
const flushDelay = 20 * time.Millisecond

// await is the next finished lookup; while none comes for flushDelay,
// what stdout's buffer holds is written out.
func (b *batchOutput) await(finished <-chan batchResult) batchResult {
	select {
	case r := <-finished:
		return r
	default:
	}
	if b.buf == nil || b.buf.Buffered() == 0 {
		return <-finished
	}
	if b.idle == nil {
		b.idle = time.NewTimer(flushDelay)
	} else {
		b.idle.Reset(flushDelay)
	}
	select {
	case r := <-finished:
		return r
	case <-b.idle.C:
		b.flush()
		return <-finished
	}
}

// flush writes what stdout's buffer holds.
func (b *batchOutput) flush() {
	if b.buf != nil {
		_ = b.buf.Flush()
	}
}

// end writes what is buffered and clears the progress line.
func (b *batchOutput) end() {
	b.flush()
	b.bar.Clear()
}
