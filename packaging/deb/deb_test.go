// Package deb holds the test of `make deb`: the Debian package is built
// by packaging/deb/build.sh from the tree make install stages.
package deb

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var tools = []string{"gping", "gtraceroute", "garp", "gdig", "gudpecho", "gtcpecho", "gpmtud", "gtfo"}
var rawTools = []string{"gping", "gtraceroute", "garp", "gpmtud"}

// TestLabDeb builds the package, reads it back with dpkg-deb -I and -c,
// installs it with dpkg into a fresh root (its postinst run there, with
// DPKG_ROOT), runs every tool's --version from that root, runs the
// postinst once more without setcap to see its fallback, and runs
// lintian where it is installed.
func TestLabDeb(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: dpkg installs into a scratch root and sets file capabilities")
	}
	for _, tool := range []string{"make", "dpkg-deb", "dpkg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	tmp := t.TempDir()
	run(t, "make", "-C", "../..", "deb", "BUILD="+filepath.Join(tmp, "build"), "DEBDIR="+tmp)
	debs, _ := filepath.Glob(filepath.Join(tmp, "gnetutils_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("make deb made %q", debs)
	}
	deb := debs[0]
	t.Run("control", func(t *testing.T) { checkControl(t, deb) })
	t.Run("contents", func(t *testing.T) { checkContents(t, deb) })
	root := filepath.Join(tmp, "root")
	t.Run("install", func(t *testing.T) { checkInstall(t, deb, root) })
	t.Run("postinst without setcap", func(t *testing.T) { checkFallback(t, deb, tmp) })
	t.Run("lintian", func(t *testing.T) { checkLintian(t, deb) })
}

func checkControl(t *testing.T, deb string) {
	info := run(t, "dpkg-deb", "-I", deb)
	for _, want := range []string{"Package: gnetutils", "Recommends: libcap2-bin", "Section: net", " postinst", " md5sums"} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb -I lacks %q:\n%s", want, info)
		}
	}
}

func checkContents(t *testing.T, deb string) {
	list := run(t, "dpkg-deb", "-c", deb)
	var want []string
	for _, tool := range tools {
		section := "1"
		if contains(rawTools, tool) {
			section = "8"
		}
		want = append(want, "./usr/bin/"+tool,
			"./usr/share/man/man"+section+"/"+tool+"."+section+".gz",
			"./usr/share/bash-completion/completions/"+tool,
			"./usr/share/zsh/vendor-completions/_"+tool,
			"./usr/share/fish/vendor_completions.d/"+tool+".fish")
	}
	want = append(want, "./usr/share/doc/gnetutils/copyright", "./usr/share/doc/gnetutils/changelog.Debian.gz")
	for _, w := range want {
		if !regexp.MustCompile(`(?m) ` + regexp.QuoteMeta(w) + `$`).MatchString(list) {
			t.Errorf("dpkg-deb -c lacks %s", w)
		}
	}
	if strings.Contains(list, "root/root") == false {
		t.Errorf("files not owned by root:\n%s", list)
	}
}

// checkInstall installs the package into a root of its own: dpkg's
// database there, the postinst run outside a chroot with DPKG_ROOT.
func checkInstall(t *testing.T, deb, root string) {
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, "dpkg", "--root="+root, "--force-script-chrootless", "--log=/dev/null", "-i", deb)
	t.Logf("dpkg -i:\n%s", out)
	version := regexp.MustCompile(`^(\S+) \(gnetutils\) \S+ \d{4}-\d\d-\d\d go\S+\n$`)
	for _, tool := range tools {
		got := run(t, filepath.Join(root, "usr/bin", tool), "--version")
		if m := version.FindStringSubmatch(got); m == nil || m[1] != tool {
			t.Errorf("%s --version: %q", tool, got)
		}
	}
	getcap, err := exec.LookPath("getcap")
	if _, err2 := exec.LookPath("setcap"); err != nil || err2 != nil {
		t.Logf("no setcap/getcap (libcap2-bin): capabilities not checked")
		return
	}
	for _, tool := range rawTools {
		if got := run(t, getcap, filepath.Join(root, "usr/bin", tool)); !strings.Contains(got, "cap_net_raw=ep") {
			t.Errorf("%s after postinst: getcap says %q, want cap_net_raw=ep", tool, got)
		}
	}
	if got := run(t, getcap, filepath.Join(root, "usr/bin/gdig")); got != "" {
		t.Errorf("gdig has capabilities: %q", got)
	}
}

// checkFallback runs the postinst where there is no setcap: it must say
// so, name the tools and the way to grant the capability, and succeed.
func checkFallback(t *testing.T, deb, tmp string) {
	ctrl := filepath.Join(tmp, "control")
	run(t, "dpkg-deb", "-e", deb, ctrl)
	cmd := exec.Command("/bin/sh", filepath.Join(ctrl, "postinst"), "configure")
	cmd.Env = []string{"PATH=" + t.TempDir(), "DPKG_ROOT=" + filepath.Join(tmp, "root")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("postinst: %v\n%s", err, out)
	}
	for _, want := range append([]string{"setcap not found", "libcap2-bin", "setcap cap_net_raw+ep"}, rawTools...) {
		if !strings.Contains(string(out), want) {
			t.Errorf("postinst without setcap says %q, lacking %q", out, want)
		}
	}
}

func checkLintian(t *testing.T, deb string) {
	if _, err := exec.LookPath("lintian"); err != nil {
		t.Skip("lintian is not installed (scripts/deps.sh installs it)")
	}
	out, _ := exec.Command("lintian", "--tag-display-limit", "0", deb).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "E:") {
			t.Errorf("lintian: %s", line)
		}
	}
	t.Logf("lintian:\n%s", out)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
