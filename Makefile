# The project's verbs. `make test` is the README's test command; CI runs it through .ci/run.
.PHONY: run test test-rust lint bench build deploy

run:
	cargo run

test:
	bash infra/test.sh

# Only what needs nothing outside Rust.
test-rust:
	cargo test --workspace

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

bench:
	bash bench/bench.sh

build:
	cargo build --release --workspace

deploy:
	sam build && sam deploy
