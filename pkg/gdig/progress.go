package gdig

import (
	"io"

	"gnetutils/pkg/tui"
)

// batchOutput writes a batch's results, each lookup's output whole, with a
// progress line on stderr (done/total, rate, ETA) when stderr is a
// terminal: the line is cleared before each result is written and drawn
// again after it, so results and the line never share a row.
type batchOutput struct {
	stdout, stderr io.Writer
	bar            *tui.Progress // nil without a terminal
}

func newBatchOutput(stdout, stderr io.Writer, total int) *batchOutput {
	return &batchOutput{stdout: stdout, stderr: stderr, bar: tui.NewProgress(stderr, "gdig", total)}
}

// write writes one lookup's output: what it said on stderr, then stdout.
func (b *batchOutput) write(out, errOut []byte) {
	b.bar.Clear()
	_, _ = b.stderr.Write(errOut)
	_, _ = b.stdout.Write(out)
	b.bar.Add(1)
}

// end clears the progress line.
func (b *batchOutput) end() { b.bar.Clear() }
