# Switchyard: the two commands are `make up` (run it locally) and `make test` (test everything).
.PHONY: up test test-fast down check fmt lint package bench fuzz

## Run the whole stack locally, in the foreground, until Ctrl-C.
up:
	@scripts/stack.sh up

## The fast tier: every test that needs no running service (no stack started).
test-fast:
	cargo test --workspace

## Every test: unit, adapter (moto + Tryton), handler and end to end; starts and stops what it needs.
test:
	@scripts/test.sh

## Stop a stack left running in the background (or by a killed `make up`).
down:
	@scripts/stack.sh stop; STACK=test scripts/stack.sh stop

## Static checks: formatting, clippy, Terraform fmt + validate.
check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --features live -- -D warnings
	scripts/infra.sh check

fmt:
	cargo fmt --all
	terraform fmt -recursive infra

## Release zips for AWS (arm64), into target/lambda/<function>/bootstrap.zip.
package:
	@scripts/bootstrap.sh
	rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
	PATH="$(CURDIR)/.switchyard/venv/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip -p orders-api -p order-processor -p webhooks -p edi -p amazon-notifications -p erp-changes -p catalog-projector -p channel-push -p order-tracker -p ops-api -p reconciler -p dlq-redrive

## Every benchmark against a baseline measured in the same run, one table (bench/README.md);
## `make bench QUICK=1` is the small, debug-build run `make test` checks.
bench:
	@scripts/bench.sh $(if $(QUICK),--quick)

## Fuzz every parser, mapper and signature verifier (libFuzzer), FUZZ_SECONDS (60) each; see fuzz/README.md.
fuzz:
	@scripts/fuzz.sh
