# Jasmine: the two commands are `make run` and `make test`.
CARGO ?= cargo
DATA ?= data
LISTEN ?= 127.0.0.1:8080

.PHONY: run build test lint bench clean vectors js js-deps

build:
	$(CARGO) build --workspace --bins

## make run: build, create demo keys on first run, start the server on http://127.0.0.1:8080
run: build
	./target/debug/jasmine-keys demo --dir $(DATA)/demo
	./target/debug/jasmine-server --listen $(LISTEN) --data-dir $(DATA) \
		--root-key-file $(DATA)/demo/root.pub --bundle-file $(DATA)/demo/bundle.json

## make test: format and lint checks, then every test (unit, property, vectors, end to end)
test: build lint js-deps
	$(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## make bench: durable submissions/s over HTTP vs the raw storage path, a storage flood
## with and without admission control, and envelope speed
bench:
	$(CARGO) bench -p jasmine-server --bench submissions
	$(CARGO) bench -p jasmine-server --bench attack
	$(CARGO) bench -p jasmine-client --bench envelope

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
