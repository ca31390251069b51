#!/usr/bin/env bash
# Regenerates Sources/CRI/Generated/*.swift from Protos/cri/runtime_v1.proto.
#
# The generated files are committed, so the package never builds the protoc plugins itself (a
# first build of them takes minutes). This script builds the two plugins once, in a scratch
# package under .build-protoc (gitignored), from the same package versions the CRI target links:
#   protoc-gen-swift          from apple/swift-protobuf 1.39.0        (messages)
#   protoc-gen-grpc-swift-2   from grpc/grpc-swift-protobuf 2.4.1     (client stubs only)
# Needs protoc (Debian: protobuf-compiler).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCRATCH="$ROOT/.build-protoc/plugins"
OUT="$ROOT/Sources/CRI/Generated"
PROTO_DIR="$ROOT/Protos/cri"

mkdir -p "$SCRATCH/Sources/Dummy" "$OUT"
cat > "$SCRATCH/Package.swift" <<'MANIFEST'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "protoc-plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ],
    targets: [.target(name: "Dummy")]
)
MANIFEST
echo "// Placeholder: this package only exists to build the protoc plugins." > "$SCRATCH/Sources/Dummy/Dummy.swift"

(cd "$SCRATCH" && swift build --product protoc-gen-swift && swift build --product protoc-gen-grpc-swift-2)
BIN="$(cd "$SCRATCH" && swift build --show-bin-path)"

rm -f "$OUT"/*.swift
protoc \
    --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift-2="$BIN/protoc-gen-grpc-swift-2" \
    --proto_path="$PROTO_DIR" \
    --swift_out="$OUT" --swift_opt=Visibility=Public \
    --grpc-swift-2_out="$OUT" --grpc-swift-2_opt=Visibility=Public,Client=true,Server=false \
    "$PROTO_DIR/runtime_v1.proto"
ls -l "$OUT"
