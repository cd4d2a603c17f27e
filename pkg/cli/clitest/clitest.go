// Package clitest holds what the tools' tests share about the command
// line: a tool's answer to bad arguments, compared with its classic peer's;
// its NDJSON events, held to the suite's vocabulary; its output against
// golden files; and its scripts (testdata/script/*.txtar), each a command
// line with the exact output and exit status it must give.
package clitest

import (
	"bytes"
	"context"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/netlab"
)

// RunFunc is a tool's Run.
type RunFunc = cli.RunFunc

// SameRefusal runs the classic peer and the tool (in-process) with each
// argument list, which the peer must refuse before it sends anything, and
// fails t unless the tool prints the peer's words (its own name for the
// peer's) and exits with the peer's status. It skips t where the peer is
// not installed.
func SameRefusal(t *testing.T, peer, tool string, run RunFunc, argLists [][]string) {
	t.Helper()
	netlab.Need(t, peer)
	for _, args := range argLists {
		var want bytes.Buffer
		cmd := exec.Command(peer, args...)
		cmd.Stdout, cmd.Stderr = &want, &want
		wantCode := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatal(err)
			}
			wantCode = ee.ExitCode()
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, nil, &stdout, &stderr)
		got := stdout.String() + stderr.String()
		if wantText := strings.Replace(want.String(), peer+": ", tool+": ", 1); code != wantCode || got != wantText {
			t.Errorf("%v: exit %d, %s's %d\n--- %s:\n%s--- %s:\n%s", args, code, peer, wantCode, tool, got, peer, want.String())
		}
	}
}

// CheckEvents fails t for each event type (pass a zero value of each) that
// is not a struct with a Type field tagged "type", or that names a field of
// cli.EventFields otherwise than that table does: the same Go name with
// another JSON name, or the same JSON name on another Go name.
func CheckEvents(t *testing.T, events ...any) {
	t.Helper()
	byGo, byJSON := map[string]string{}, map[string]string{}
	for _, f := range cli.EventFields {
		byGo[f.GoName], byJSON[f.JSON] = f.JSON, f.GoName
	}
	for _, ev := range events {
		typ := reflect.TypeOf(ev)
		if typ.Kind() != reflect.Struct {
			t.Errorf("%v: an event is a struct", typ)
			continue
		}
		if _, ok := typ.FieldByName("Type"); !ok {
			t.Errorf("%v: an event has a Type field", typ)
		}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if want, ok := byGo[f.Name]; ok && name != want {
				t.Errorf("%v.%s: JSON name %q, the suite's is %q", typ, f.Name, name, want)
			}
			if want, ok := byJSON[name]; ok && f.Name != want {
				t.Errorf("%v.%s: carries %q, which the suite names %s", typ, f.Name, name, want)
			}
		}
	}
}
