# gnetutils: see README.md. `make demo` and `make test` are the two commands a
# newcomer runs; both install what they need (as root) through `make deps`.

GO          ?= go
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      := $(DESTDIR)$(PREFIX)/bin
# Where make install puts the man pages and completions: each shell's own
# directory for packages under /usr, and the one it reads for local
# installs otherwise (zsh has no vendor directory under /usr/local).
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# make install gives RAW_TOOLS CAP_NET_RAW when root; make deb leaves it
# to the package's postinst.
SETCAP      ?= 1
# Generated man pages, completions and the staged Debian package.
BUILD       := build
TOOLS       := gping gtraceroute garp gdig gudpecho gtcpecho gpmtud gtfo
# Tools that open raw sockets (ICMP, AF_PACKET) and so need CAP_NET_RAW.
RAW_TOOLS   := gping gtraceroute garp gpmtud
VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# The commit's date (YYYY-MM-DD), for --version and the man pages.
DATE        ?= $(shell git log -1 --format=%cs 2>/dev/null)
LDFLAGS     := -s -w -X gnetutils/pkg/cli.Version=$(VERSION) -X gnetutils/pkg/cli.CommitDate=$(DATE)
# The package's version: 1.2.3+git4.gabcdef0 from a tag v1.2.3 four commits
# back; 0.0~git20261202.abcdef0 (the commit's date and hash) with no tag.
DEB_VERSION ?= $(shell v=$$(git describe --tags --match 'v[0-9]*' 2>/dev/null) \
  && echo "$$v" | sed 's/^v//; s/-\([0-9]*\)-g/+git\1./' \
  || echo "0.0~git$$(git log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null).$$(git rev-parse --short HEAD 2>/dev/null)")
STATICCHECK_VERSION := v0.8.2
GOBIN       := $(shell $(GO) env GOPATH)/bin
# Unit tests run with the race detector when cgo works (it needs gcc).
RACE        := $(shell command -v gcc >/dev/null 2>&1 && echo -race)
# Lab tests build namespaces and compare with the classic tools; they are the
# tests named TestLab*. Unit tests are everything else.
LAB         := ^TestLab

export CGO_ENABLED ?= 0

.PHONY: all build docs test unit labtest lint bench demo deps install deb clean fuzz

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ $(addprefix ./cmd/,$(TOOLS))

# Man pages and shell completions, generated from the tools' own flag
# sets by tools/docgen (the hand-written parts of the pages are man/*.in).
docs:
	$(GO) run -trimpath ./tools/docgen -src man -man $(BUILD)/man -completion $(BUILD)/completion \
	  -version $(VERSION) -date $(DATE)

deps:
	@scripts/deps.sh

test: deps unit labtest

unit:
	CGO_ENABLED=1 $(GO) test $(RACE) -count=1 -skip '$(LAB)' ./...

labtest: build
	GNETUTILS_BIN=$(CURDIR)/bin $(GO) test -count=1 -timeout 15m -run '$(LAB)' ./...

# Each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...

bench: deps build
	$(GO) run ./tools/bench $(BENCHFLAGS)

demo: deps build
	$(GO) run ./tools/demo

install: build docs
	install -d $(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(addprefix bin/,$(TOOLS)) $(BINDIR)/
	install -m 0644 $(BUILD)/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(BUILD)/completion/bash/* $(DESTDIR)$(BASHCOMPDIR)/
	install -m 0644 $(BUILD)/completion/zsh/* $(DESTDIR)$(ZSHCOMPDIR)/
	install -m 0644 $(BUILD)/completion/fish/* $(DESTDIR)$(FISHCOMPDIR)/
	@if [ "$(SETCAP)" != 1 ]; then :; \
	elif [ "$$(id -u)" -eq 0 ] && command -v setcap >/dev/null; then \
	  for t in $(RAW_TOOLS); do setcap cap_net_raw+ep $(BINDIR)/$$t && echo "setcap cap_net_raw+ep $(BINDIR)/$$t"; done; \
	else \
	  echo "not root (or no setcap): run 'sudo setcap cap_net_raw+ep $(BINDIR)/<tool>' for: $(RAW_TOOLS)"; \
	fi

# A Debian package built with dpkg-deb from a tree make install stages
# (packaging/deb/build.sh says why not nfpm): gnetutils_<version>_<arch>.deb
# in DEBDIR.
DEBDIR ?= .
deb:
	rm -rf $(BUILD)/deb
	$(MAKE) install DESTDIR=$(abspath $(BUILD))/deb PREFIX=/usr SETCAP=0
	packaging/deb/build.sh $(BUILD)/deb "$(DEB_VERSION)" "$(RAW_TOOLS)" $(DEBDIR)

clean:
	rm -rf bin $(BUILD) gnetutils_*.deb
