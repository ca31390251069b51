# Swiftlet: build, run and test. `make deps` needs root (apt-get, pip).
SWIFT ?= swift
PYTHON ?= python3
DEBIAN_PACKAGES = libsqlite3-dev libyaml-dev tzdata pkg-config libsystemd-dev libssl-dev openssl systemd-container containerd runc zstd umoci busybox-static containernetworking-plugins iptables libjemalloc-dev nftables dpkg-dev patchelf lintian protobuf-compiler iproute2 gcc libc6-dev
PYTHON_PACKAGES = kubernetes==37.0.2 pytest

.PHONY: deps build run test unit e2e bench deb clean

## Debian and Python packages the build and the tests need.
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES)
	$(PYTHON) -m pip install --quiet --root-user-action=ignore $(PYTHON_PACKAGES)

build:
	$(SWIFT) build

## Starts a single-node server on the default data dir (~/.swiftlet when not root).
run: deps build
	.build/debug/swiftlet server

## Unit tests (swift-testing), then integration tests with real kubectl and the Python client.
test: build
	SWIFT=$(SWIFT) Scripts/unit-tests
	$(PYTHON) -m pytest -q Tests/e2e

unit:
	SWIFT=$(SWIFT) Scripts/unit-tests

e2e: build
	$(PYTHON) -m pytest -q Tests/e2e

## Benchmarks (release build); figures go to BENCHMARKS.md.
bench:
	$(SWIFT) build -c release --product swiftlet-bench --product swiftlet-apiserver --product swiftlet
	.build/release/swiftlet-bench

## The Debian package for this machine's architecture (release build; see packaging/README.md).
deb:
	SWIFT=$(SWIFT) packaging/build-deb

clean:
	rm -rf .build
