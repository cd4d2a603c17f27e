package gdig

import (
	"bufio"
	"io"

	"gnetutils/pkg/tui"
)

// batchOutput writes a batch's results, each lookup's output whole, with a
// progress line on stderr (done/total, rate, ETA) when stderr is a
// terminal: the line is cleared before each result is written and drawn
// again after it, so results and the line never share a row. When stdout
// is not a terminal, results are buffered (as dig's stdio buffers them), and
// written before anything on stderr and at the end: a write per lookup
// cost a batch of 10,000 names a tenth of its CPU.
type batchOutput struct {
	stdout, stderr io.Writer
	buf            *bufio.Writer // stdout's buffer; nil on a terminal
	bar            *tui.Progress // nil without a terminal
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
