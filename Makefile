# core-sim: the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
BIN      := bin/core-sim
PKGS     := ./...

.PHONY: all build run test vet fmt-check race fuzz bench clean peers

all: build

build:
	$(GO) build -o $(BIN) ./cmd/core-sim

# Runs the embedded default scenario: HLR, GGSN and SGSN in one process over
# loopback sockets. Events (NDJSON) on stdout, logs and the summary on stderr.
run: build
	./$(BIN) run

# gofmt, go vet, and every test with the race detector. Interoperability
# tests against osmo-ggsn/sgsnemu and tshark run when those are installed
# (`make peers`); with CORESIM_REQUIRE_PEERS=1 (as in CI) they must be.
test: fmt-check vet
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Short fuzzing of the protocol decoders (they face untrusted input).
fuzz:
	$(GO) test ./gtpc -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 30s
	$(GO) test ./diameter -run '^$$' -fuzz '^FuzzDecodeMessage$$' -fuzztime 30s
	$(GO) test ./s6a -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 30s
	$(GO) test ./s6a -run '^$$' -fuzz '^FuzzParseULR$$' -fuzztime 30s

# The Go benchmarks of the hot paths, then end-to-end runs of the real binary
# (in-process fleets of 10,000 to 1,000,000 devices, full cycles over the wire,
# sgsnemu against core-sim's GGSN and osmo-ggsn); writes the figures into
# bench/README.md. About 6 minutes on 2 cores.
bench:
	$(GO) run ./bench/harness -go $(GO) -readme bench/README.md

# The same, smaller (fleets up to 100,000 devices, 200ms per benchmark);
# prints the Markdown instead of writing bench/README.md. About 3 minutes.
.PHONY: bench-quick
bench-quick:
	$(GO) run ./bench/harness -go $(GO) -quick -readme ''

# Real peers used by the interoperability tests (Debian packages).
peers:
	apt-get update -qq && apt-get install -y -qq osmo-ggsn tshark freediameter

clean:
	rm -rf bin
