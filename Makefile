# Jasmine: the two commands are `make run` and `make test`.
CARGO ?= cargo
DATA ?= data
LISTEN ?= 127.0.0.1:8080

.PHONY: run build test lint bench bench-onion clean vectors js js-deps fuzz fuzz-build fuzz-smoke deb

build:
	$(CARGO) build --workspace --bins

## make run: build, create demo keys on first run, start the server on http://127.0.0.1:8080
run: build
	./target/debug/jasmine-keys demo --dir $(DATA)/demo \
		--check-key "$$(./target/debug/jasmine-server --data-dir $(DATA) --print-check-key)"
	./target/debug/jasmine-server --listen $(LISTEN) --data-dir $(DATA) \
		--root-key-file $(DATA)/demo/root.pub --bundle-file $(DATA)/demo/bundle.json

## make test: format and lint checks, every test (unit, property, vectors, end to end),
## the API contract (Schemathesis against a real server, tests/contract/run.sh), then
## each fuzz target for $(FUZZ_SMOKE_SECONDS) s
test: build lint js-deps
	$(MAKE) deb DEB_PROFILE=dev DEB_FLAGS=--fast
	$(CARGO) test --workspace
	./tests/contract/run.sh
	$(MAKE) fuzz-smoke

## make deb: the Debian packages jasmine-server, jasmine-keys and jasmine (cargo-deb) in
## target/debian, from release binaries; `make test` packages the debug build it tests
## (DEB_PROFILE=dev) and tests/e2e_package.rs checks them
DEB_PROFILE ?= release
DEB_FLAGS ?=
deb:
	$(CARGO) build --workspace --bins $(if $(filter release,$(DEB_PROFILE)),--release,)
	./server/debian/packaged-config.sh server/jasmine-server.example.toml target/deb-assets/jasmine-server.toml
	@for p in jasmine-server jasmine-keys jasmine-client; do \
		$(CARGO) deb -p $$p --no-build --profile $(DEB_PROFILE) --compress-system -Z xz $(DEB_FLAGS) || exit 1; done

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## make bench: durable submissions/s over HTTP vs the raw storage path, a storage flood
## with and without admission control, envelope speed, and the private check (server
## evaluations vs the bare voprf crate, a whole check's p50/p99, the list's size, the
## page script's cost in node), and scrubbing and sealing a 12-megapixel photo (vs the
## image crate's bare decode and encode) with the padding's size overhead
bench:
	$(CARGO) bench -p jasmine-server --bench submissions
	$(CARGO) bench -p jasmine-server --bench attack
	$(CARGO) bench -p jasmine-client --bench envelope
	$(CARGO) bench -p jasmine-client --bench check
	$(CARGO) bench -p jasmine-client --bench attachments
	$(CARGO) build --release -p jasmine-client --bin jasmine
	$(CARGO) bench -p jasmine-server --bench check
	cd server/web-js && node src/check-cli.mjs bench 50
	cd server/web-js && node src/attachments-cli.mjs bench ../../target/bench-scrubbed-12mp.jpg 15
	$(MAKE) bench-onion

## make bench-onion: the same page through Jasmine's arti onion service and through a C
## tor onion service, side by side on the tests' private Tor network (tests/src/tor_net.rs):
## time from start to first fetch, p50/p99 of 50 fetches through a C tor client, two
## rounds in both orders (tests/src/bin/onion_bench.rs)
bench-onion:
	$(CARGO) build --release -p jasmine-server --bin jasmine-server
	$(CARGO) run -p jasmine-tests --bin onion-bench -- --server-bin target/release/jasmine-server --rounds 2

## The fuzz targets (fuzz/, cargo fuzz on the nightly toolchain, libFuzzer): one per
## parser of what strangers send. `make fuzz` runs each for FUZZ_SECONDS (or until
## FUZZ_RUNS executions); `make fuzz-smoke` keeps them building and running in `make test`.
FUZZ_TARGETS = envelope_shape report_plaintext bundle alert authorization codename \
	report_form questionnaire_form directory airgap_file check_wire checklist image_scrub attachments upload_parts mailbox_message
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 15

fuzz-build:
	$(CARGO) +nightly fuzz build -s none --target-dir target/fuzz

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do ./fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; done

fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do ./fuzz/run.sh $$t $(FUZZ_SMOKE_SECONDS) || exit 1; done

## make vectors: regenerate the protocol test vectors in tests/vectors
vectors:
	$(CARGO) run -p jasmine-tests --bin make-vectors -- tests/vectors

## the page script: npm packages from the lockfile, and the committed bundle rebuilt
js-deps:
	cd server/web-js && npm ci --no-audit --no-fund
	cd tests/browser && npm ci --no-audit --no-fund

js: js-deps
	cd server/web-js && npm run build

clean:
	$(CARGO) clean
