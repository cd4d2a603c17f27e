# gnetutils: see README.md. `make demo` and `make test` are the two commands a
# newcomer runs; both install what they need (as root) through `make deps`.

GO          ?= go
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      := $(DESTDIR)$(PREFIX)/bin
TOOLS       := gping gtraceroute garp gdig gudpecho gtcpecho gpmtud gtfo
# Tools that open raw sockets (ICMP, AF_PACKET) and so need CAP_NET_RAW.
RAW_TOOLS   := gping gtraceroute garp gpmtud
VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# The commit's date (YYYY-MM-DD), for --version and the man pages.
DATE        ?= $(shell git log -1 --format=%cs 2>/dev/null)
LDFLAGS     := -s -w -X gnetutils/pkg/cli.Version=$(VERSION) -X gnetutils/pkg/cli.CommitDate=$(DATE)
STATICCHECK_VERSION := v0.8.2
GOBIN       := $(shell $(GO) env GOPATH)/bin
# Unit tests run with the race detector when cgo works (it needs gcc).
RACE        := $(shell command -v gcc >/dev/null 2>&1 && echo -race)
# Lab tests build namespaces and compare with the classic tools; they are the
# tests named TestLab*. Unit tests are everything else.
LAB         := ^TestLab

export CGO_ENABLED ?= 0

.PHONY: all build test unit labtest lint bench demo deps install clean fuzz

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ $(addprefix ./cmd/,$(TOOLS))

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

install: build
	install -d $(BINDIR)
	install -m 0755 $(addprefix bin/,$(TOOLS)) $(BINDIR)/
	@if [ "$$(id -u)" -eq 0 ] && command -v setcap >/dev/null; then \
	  for t in $(RAW_TOOLS); do setcap cap_net_raw+ep $(BINDIR)/$$t && echo "setcap cap_net_raw+ep $(BINDIR)/$$t"; done; \
	else \
	  echo "not root (or no setcap): run 'sudo setcap cap_net_raw+ep $(BINDIR)/<tool>' for: $(RAW_TOOLS)"; \
	fi

clean:
	rm -rf bin
