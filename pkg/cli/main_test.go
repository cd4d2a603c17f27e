package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainHelperEnv makes the test binary, run again by TestMainSecondSignal,
// be a tool that takes its time to wind down after the first signal.
const mainHelperEnv = "GNETUTILS_CLI_MAIN_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(mainHelperEnv) != "" {
		Main(func(ctx context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) int {
			fmt.Fprintln(stdout, "running")
			<-ctx.Done()
			fmt.Fprintln(stdout, "winding down")
			time.Sleep(30 * time.Second) // a summary that never comes
			return 0
		})
	}
	os.Exit(m.Run())
}

// TestMainSecondSignal: the first SIGINT asks the tool to wind down, the
// second ends the process at once.
func TestMainSecondSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			// A shell starts background jobs with SIGINT ignored, and an
			// ignored signal stays ignored across exec; one caught here is
			// reset to its default in the child, as a terminal's is.
			caught := make(chan os.Signal, 1)
			signal.Notify(caught, sig)
			defer signal.Stop(caught)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), mainHelperEnv+"=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := bufio.NewScanner(out)
			expect := func(want string) {
				t.Helper()
				if !lines.Scan() || lines.Text() != want {
					t.Fatalf("want %q, got %q (%v)", want, lines.Text(), lines.Err())
				}
			}
			expect("running")
			_ = cmd.Process.Signal(sig)
			expect("winding down")
			start := time.Now()
			_ = cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || !strings.Contains(ee.String(), "signal") {
					t.Errorf("second %v: %v, want death by the signal", sig, err)
				}
				if el := time.Since(start); el > time.Second {
					t.Errorf("second %v took %v to end the process", sig, el)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("second %v did not end the process", sig)
			}
		})
	}
}
