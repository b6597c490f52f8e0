# vsc — see README.md. `make test` is what CI runs (.ci/run).
GO ?= go

.PHONY: test test-kernel vet lint bench fuzz docs build

build:
	$(GO) build -o vsc ./cmd/vsc

# Everything a change must pass: formatting, vet, and all tests.
test: lint
	$(GO) test ./...

# The kernel tests on a stock Debian kernel booted under qemu (.ci/kernel-lane):
# KERNEL=linux-image-... picks another kernel package.
KERNEL ?= linux-image-amd64
test-kernel:
	KERNEL=$(KERNEL) .ci/kernel-lane

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# Regenerate docs/checks/*.md from the checks' Doc text.
docs:
	$(GO) test ./compiler -run TestCheckPages -update

# Speed: vsc check on generated configurations of 1,000 / 10,000 / 100,000
# guests against parsing alone, with time and peak memory; vsc compile and
# verify of one table of 5,000 to 50,000 routes; vsc check of 100,000
# guests on 10 hosts against 1,000; vsc apply against ip -batch; a guest's
# start, stop and exec against nsenter.
bench:
	$(GO) run ./internal/bench

# Each fuzz target for a while (FUZZTIME=60s by default).
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./lang -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	$(GO) test ./lang -run '^$$' -fuzz FuzzChunks -fuzztime $(FUZZTIME)
	$(GO) test ./lang -run '^$$' -fuzz FuzzFastParse -fuzztime $(FUZZTIME)
	$(GO) test ./ir -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./ir -run '^$$' -fuzz FuzzDecodeBinary -fuzztime $(FUZZTIME)
	$(GO) test ./stdlib -run '^$$' -fuzz FuzzParseSize -fuzztime $(FUZZTIME)
	$(GO) test ./stdlib -run '^$$' -fuzz FuzzCidr -fuzztime $(FUZZTIME)
	$(GO) test ./executor -run '^$$' -fuzz FuzzMountinfo -fuzztime $(FUZZTIME)
	$(GO) test ./executor -run '^$$' -fuzz FuzzJournal -fuzztime $(FUZZTIME)
	$(GO) test ./executor -run '^$$' -fuzz FuzzNetlinkReplies -fuzztime $(FUZZTIME)
	$(GO) test ./lsp -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME)
	$(GO) test ./executor/guest/walls -run '^$$' -fuzz FuzzFilter -fuzztime $(FUZZTIME)
	$(GO) test ./executor/guest -run '^$$' -fuzz FuzzRequest -fuzztime $(FUZZTIME)
	$(GO) test ./executor/build -run '^$$' -fuzz FuzzTemplate -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
