#!/usr/bin/env python3
"""Generates Sources/CRI/Generated/*.swift from Protos/cri/runtime_v1.proto.

Swiftlet's own protobuf generator for the CRI client: plain Swift structs and enums that encode
and decode themselves on KubeAPI's ProtoWireReader/ProtoWireWriter, plus gRPC method descriptors
for GRPCCore. It replaces protoc-gen-swift and protoc-gen-grpc-swift-2, whose runtimes
(SwiftProtobuf, GRPCProtobuf) import Foundation and so cost the kubelet Foundation and ICU.

Names follow what protoc-gen-swift produced (Runtime_V1_<Message>, lowerCamelCase fields with
"id"/"url"/"http(s)" upper-cased inside a name, enum cases without the enum's prefix,
UNRECOGNIZED(Int)), so the Swift API did not change when the generator did.

Only messages reachable from the services' RPCs, or named as Runtime_V1_* anywhere in Sources/
and Tests/, are generated. Supports proto3 messages, nested messages and enums, repeated fields,
maps, oneofs, `optional` scalars and the scalar types; groups, extensions and proto2 are refused.

Usage: Scripts/generate-cri.py            (rewrites Sources/CRI/Generated)
       Scripts/generate-cri.py --check    (exit 1 when the committed files are stale)
       Scripts/generate-cri.py --proto P --out D --all --import CRI
                                          (another proto, every message, code outside the CRI
                                          module; how the generator's own sample is made)
Python 3 standard library only.
"""

import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PROTO = os.path.join(ROOT, "Protos", "cri", "runtime_v1.proto")
OUT = os.path.join(ROOT, "Sources", "CRI", "Generated")
# A new output file is started once the current one reaches this many lines.
FILE_LINES = 900

# ---------------------------------------------------------------------------------------------
# Parsing.


class ProtoError(Exception):
    pass


class Field:
    def __init__(self, name, number, type_name, label, key_type=None, oneof=None):
        self.name = name
        self.number = number
        self.type_name = type_name      # scalar name or (possibly qualified) message/enum name
        self.label = label              # "", "repeated", "optional", "map"
        self.key_type = key_type        # for maps
        self.oneof = oneof              # oneof name, or None
        self.resolved = None            # Message or Enum for non-scalars
        self.key_resolved = None


class Enum:
    def __init__(self, name, parent):
        self.name = name
        self.parent = parent
        self.values = []                # (name, number)

    @property
    def full_name(self):
        return (self.parent.full_name + "." if self.parent else "") + self.name


class Message:
    def __init__(self, name, parent):
        self.name = name
        self.parent = parent
        self.fields = []
        self.messages = []
        self.enums = []
        self.oneofs = []                # names, in order

    @property
    def full_name(self):
        return (self.parent.full_name + "." if self.parent else "") + self.name


class Service:
    def __init__(self, name):
        self.name = name
        self.rpcs = []                  # (name, input, output)


SCALARS = {
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
    "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
}

TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_.]*|-?\d+|.', re.S)


def tokenize(text):
    tokens = []
    for match in TOKEN.finditer(text):
        token = match.group(0)
        if token.isspace() or token.startswith("//") or token.startswith("/*"):
            continue
        tokens.append(token)
    return tokens


class Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.index = 0
        self.package = ""
        self.messages = []
        self.enums = []
        self.services = []

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected=None):
        token = self.peek()
        if token is None:
            raise ProtoError("unexpected end of file")
        if expected is not None and token != expected:
            raise ProtoError("expected %r, found %r near token %d" % (expected, token, self.index))
        self.index += 1
        return token

    def skip_statement(self):
        # An option or reserved statement, possibly with a bracketed or braced value.
        depth = 0
        while True:
            token = self.take()
            if token in "{[(":
                depth += 1
            elif token in "}])":
                depth -= 1
            elif token == ";" and depth == 0:
                return

    def parse(self):
        while self.peek() is not None:
            token = self.take()
            if token == "syntax":
                self.take("=")
                syntax = self.take()
                if syntax.strip('"') != "proto3":
                    raise ProtoError("only proto3 is supported, found %s" % syntax)
                self.take(";")
            elif token == "package":
                self.package = self.take()
                self.take(";")
            elif token in ("import", "option"):
                self.skip_statement()
            elif token == "message":
                self.messages.append(self.parse_message(None))
            elif token == "enum":
                self.enums.append(self.parse_enum(None))
            elif token == "service":
                self.services.append(self.parse_service())
            elif token == ";":
                continue
            else:
                raise ProtoError("unexpected %r at top level" % token)

    def parse_enum(self, parent):
        enum = Enum(self.take(), parent)
        self.take("{")
        while self.peek() != "}":
            token = self.take()
            if token in ("option", "reserved"):
                self.skip_statement()
                continue
            if token == ";":
                continue
            self.take("=")
            number = int(self.take())
            if self.peek() == "[":
                while self.take() != "]":
                    pass
            self.take(";")
            enum.values.append((token, number))
        self.take("}")
        if not enum.values or enum.values[0][1] != 0:
            raise ProtoError("enum %s: the first value must be 0 in proto3" % enum.name)
        return enum

    def parse_field(self, message, first, oneof=None):
        label = ""
        key_type = None
        if first in ("repeated", "optional"):
            label = first
            type_name = self.take()
        elif first == "map":
            label = "map"
            self.take("<")
            key_type = self.take()
            self.take(",")
            type_name = self.take()
            self.take(">")
        elif first == "group":
            raise ProtoError("groups are not supported")
        else:
            type_name = first
        name = self.take()
        self.take("=")
        number = int(self.take())
        if self.peek() == "[":
            while self.take() != "]":
                pass
        self.take(";")
        message.fields.append(Field(name, number, type_name, label, key_type, oneof))

    def parse_message(self, parent):
        message = Message(self.take(), parent)
        self.take("{")
        while self.peek() != "}":
            token = self.take()
            if token == "message":
                message.messages.append(self.parse_message(message))
            elif token == "enum":
                message.enums.append(self.parse_enum(message))
            elif token in ("option", "reserved"):
                self.skip_statement()
            elif token == "extensions" or token == "extend":
                raise ProtoError("extensions are not supported")
            elif token == "oneof":
                name = self.take()
                message.oneofs.append(name)
                self.take("{")
                while self.peek() != "}":
                    inner = self.take()
                    if inner == "option":
                        self.skip_statement()
                        continue
                    self.parse_field(message, inner, oneof=name)
                self.take("}")
            elif token == ";":
                continue
            else:
                self.parse_field(message, token)
        self.take("}")
        return message

    def parse_service(self):
        service = Service(self.take())
        self.take("{")
        while self.peek() != "}":
            token = self.take()
            if token == "option":
                self.skip_statement()
                continue
            if token != "rpc":
                raise ProtoError("unexpected %r in service %s" % (token, service.name))
            name = self.take()
            self.take("(")
            if self.peek() == "stream":
                raise ProtoError("streaming RPC %s is not supported" % name)
            request = self.take()
            self.take(")")
            self.take("returns")
            self.take("(")
            if self.peek() == "stream":
                raise ProtoError("streaming RPC %s is not supported" % name)
            response = self.take()
            self.take(")")
            if self.peek() == "{":
                depth = 0
                while True:
                    token = self.take()
                    depth += {"{": 1, "}": -1}.get(token, 0)
                    if depth == 0:
                        break
            else:
                self.take(";")
            service.rpcs.append((name, request, response))
        self.take("}")
        return service


# ---------------------------------------------------------------------------------------------
# Names (as protoc-gen-swift makes them).

ACRONYMS = {"url", "http", "https", "id"}
SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
    "init", "inout", "internal", "let", "open", "operator", "private", "protocol", "public",
    "static", "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
    "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "switch", "where", "while", "as", "catch", "false", "is", "nil", "rethrows", "super",
    "self", "throw", "throws", "true", "try", "Any", "Self", "Protocol", "Type",
}
# Names a message's own members already use.
RESERVED_PROPERTIES = {"hashValue", "debugDescription", "description", "wireBytes", "encode", "merge"}


def words(name):
    parts = []
    for chunk in name.split("_"):
        # Split camel-case runs too ("RuntimeDefault" -> Runtime, Default).
        parts += [w for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", chunk) if w]
    return parts


def camel(name, upper_first=False):
    result = ""
    for index, word in enumerate(words(name)):
        lower = word.lower()
        if index == 0 and not upper_first:
            result += lower
        elif lower in ACRONYMS:
            result += lower.upper()
        else:
            result += lower[:1].upper() + lower[1:]
    return result


def escape(name):
    return "`%s`" % name if name in SWIFT_KEYWORDS else name


def property_name(field):
    name = camel(field.name)
    if name in RESERVED_PROPERTIES:
        name += "_p"
    return name


def case_name(enum, value):
    normalized_enum = enum.name.replace("_", "").lower()
    normalized_value = value.replace("_", "").lower()
    stripped = value
    if normalized_value.startswith(normalized_enum) and len(normalized_value) > len(normalized_enum):
        # Drop as many characters of `value` as the prefix spans, underscores included.
        seen = 0
        for position, char in enumerate(value):
            if char != "_":
                seen += 1
            if seen == len(normalized_enum):
                stripped = value[position + 1:].lstrip("_")
                break
        if not stripped or not stripped[0].isalpha():
            stripped = value
    return camel(stripped)


class Names:
    def __init__(self, package):
        self.prefix = "".join(p[:1].upper() + p[1:] + "_" for p in package.split("."))

    def swift_type(self, node):
        if node.parent is None:
            return self.prefix + node.name
        return self.swift_type(node.parent) + "." + node.name


# ---------------------------------------------------------------------------------------------
# Resolution and reachability.


def index_types(parser):
    types = {}

    def add(node, prefix):
        types[prefix + node.name] = node
        if isinstance(node, Message):
            for child in node.messages + node.enums:
                add(child, prefix + node.name + ".")

    for node in parser.messages + parser.enums:
        add(node, "")
    return types


def resolve(parser, types):
    def lookup(name, scope):
        name = name.lstrip(".")
        if name.startswith(parser.package + "."):
            name = name[len(parser.package) + 1:]
        # Innermost scope first, as protobuf does.
        while scope is not None:
            candidate = scope.full_name + "." + name
            if candidate in types:
                return types[candidate]
            scope = scope.parent
        if name in types:
            return types[name]
        raise ProtoError("unknown type %s" % name)

    def visit(message):
        for field in message.fields:
            if field.type_name not in SCALARS:
                field.resolved = lookup(field.type_name, message)
            if field.label == "map":
                if field.key_type not in SCALARS or field.key_type in ("double", "float", "bytes"):
                    raise ProtoError("%s.%s: invalid map key type" % (message.name, field.name))
                if field.oneof:
                    raise ProtoError("maps cannot be in a oneof")
        for child in message.messages:
            visit(child)

    for message in parser.messages:
        visit(message)
    for service in parser.services:
        service.rpcs = [(name, lookup(req, None), lookup(res, None)) for name, req, res in service.rpcs]


def referenced_names():
    """Runtime_V1_* names the hand-written code and tests use."""
    found = set()
    pattern = re.compile(r"Runtime_V1_[A-Za-z_]+(?:\.[A-Z][A-Za-z_]*)*")
    for top in ("Sources", "Tests"):
        for directory, _, files in os.walk(os.path.join(ROOT, top)):
            if os.path.normpath(directory) == os.path.normpath(OUT):
                continue
            for name in files:
                if name.endswith(".swift"):
                    with open(os.path.join(directory, name), encoding="utf-8") as handle:
                        found.update(pattern.findall(handle.read()))
    return found


def reachable(parser, types, names):
    keep = set()

    def mark(node):
        if id(node) in keep:
            return
        keep.add(id(node))
        # A nested type drags its parent along (it is declared inside it).
        if node.parent is not None:
            mark(node.parent)
        if isinstance(node, Message):
            for field in node.fields:
                if field.resolved is not None:
                    mark(field.resolved)

    for service in parser.services:
        for _, request, response in service.rpcs:
            mark(request)
            mark(response)
    by_swift = {names.swift_type(node): node for node in types.values()}
    for name in referenced_names():
        # A service enum or an unknown name is not a message; extensions of messages are.
        node = by_swift.get(name) or by_swift.get(name.split(".")[0])
        if node is not None:
            mark(node)
    return keep


def check_no_cycles(messages):
    """Singular message fields are stored inline, so a message may not contain itself."""
    state = {}

    def visit(message, path):
        if state.get(id(message)) == "done":
            return
        if state.get(id(message)) == "active":
            raise ProtoError("recursive messages are not supported: " + " -> ".join(path))
        state[id(message)] = "active"
        for field in message.fields:
            if isinstance(field.resolved, Message) and field.label not in ("repeated", "map"):
                visit(field.resolved, path + [field.resolved.name])
        state[id(message)] = "done"

    for message in messages:
        visit(message, [message.name])


# ---------------------------------------------------------------------------------------------
# Swift: types, defaults, encode and decode snippets.

SWIFT_SCALAR = {
    "double": "Double", "float": "Float", "int32": "Int32", "int64": "Int64",
    "uint32": "UInt32", "uint64": "UInt64", "sint32": "Int32", "sint64": "Int64",
    "fixed32": "UInt32", "fixed64": "UInt64", "sfixed32": "Int32", "sfixed64": "Int64",
    "bool": "Bool", "string": "String", "bytes": "[UInt8]",
}
VARINT_KINDS = {"int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool", "enum"}
FIXED64_KINDS = {"double", "fixed64", "sfixed64"}
FIXED32_KINDS = {"float", "fixed32", "sfixed32"}


def kind(type_name, resolved):
    if resolved is None:
        return type_name
    return "enum" if isinstance(resolved, Enum) else "message"


class Emitter:
    def __init__(self, names):
        self.names = names

    def element_type(self, type_name, resolved):
        if resolved is None:
            return SWIFT_SCALAR[type_name]
        return self.names.swift_type(resolved)

    def field_type(self, field):
        element = self.element_type(field.type_name, field.resolved)
        if field.label == "repeated":
            return "[%s]" % element
        if field.label == "map":
            return "Dictionary<%s,%s>" % (SWIFT_SCALAR[field.key_type], element)
        return element

    def default(self, type_name, resolved):
        k = kind(type_name, resolved)
        if k == "enum":
            return "." + case_name(resolved, resolved.values[0][0])
        if k == "message":
            return self.names.swift_type(resolved) + "()"
        return {"string": '""', "bytes": "[]", "bool": "false"}.get(k, "0")

    # Expression of the raw wire payload for one value `v` of kind `k`.
    @staticmethod
    def wire_scalar(k, v):
        if k == "bool":
            return "%s ? 1 : 0" % v
        if k == "enum":
            return "UInt64(bitPattern: Int64(%s.rawValue))" % v
        if k in ("int32", "int64"):
            return "UInt64(bitPattern: Int64(%s))" % v
        if k in ("uint32", "uint64"):
            return "UInt64(%s)" % v
        if k in ("sint32", "sint64"):
            return "ProtoWireWriter.zigZag(Int64(%s))" % v
        if k in ("double", "float"):
            return "%s.bitPattern" % v
        if k in ("fixed32", "fixed64"):
            return v
        if k == "sfixed32":
            return "UInt32(bitPattern: %s)" % v
        if k == "sfixed64":
            return "UInt64(bitPattern: %s)" % v
        raise ProtoError("no scalar encoding for " + k)

    def write_value(self, k, number, v, writer="writer"):
        """A statement writing one value unconditionally."""
        if k == "string":
            return "%s.writeString(field: %d, %s)" % (writer, number, v)
        if k == "bytes":
            return "%s.writeBytes(field: %d, %s)" % (writer, number, v)
        if k == "message":
            return "%s.writeMessage(field: %d) { %s.encode(to: &$0) }" % (writer, number, v)
        if k == "bool":
            return "%s.writeBool(field: %d, %s)" % (writer, number, v)
        if k in VARINT_KINDS:
            return "%s.writeVarint(field: %d, %s)" % (writer, number, self.wire_scalar(k, v))
        if k in FIXED64_KINDS:
            return "%s.writeFixed64(field: %d, %s)" % (writer, number, self.wire_scalar(k, v))
        if k in FIXED32_KINDS:
            return "%s.writeFixed32(field: %d, %s)" % (writer, number, self.wire_scalar(k, v))
        raise ProtoError("cannot write " + k)

    @staticmethod
    def is_set(k, v):
        """An expression true when `v` is not its proto3 default (and so is written)."""
        if k in ("string", "bytes"):
            return "!%s.isEmpty" % v
        if k == "bool":
            return v
        if k == "enum":
            return "%s.rawValue != 0" % v
        if k in ("double", "float"):
            # Bit test: -0.0 is not the default and is written, as protobuf does.
            return "%s.bitPattern != 0" % v
        return "%s != 0" % v

    def read_value(self, k, type_name, resolved, value, number):
        """An expression decoding one value of kind `k` from the ProtoWireValue `value`."""
        if k == "string":
            return "String(decoding: try %s.lengthDelimited(field: %d), as: UTF8.self)" % (value, number)
        if k == "bytes":
            return "Array(try %s.lengthDelimited(field: %d))" % (value, number)
        if k == "message":
            return "try %s(wire: %s.lengthDelimited(field: %d))" % (self.names.swift_type(resolved), value, number)
        return self.from_raw(k, type_name, resolved, self.raw_read(k, value, number))

    @staticmethod
    def raw_read(k, value, number):
        if k in VARINT_KINDS:
            return "try %s.varint(field: %d)" % (value, number)
        if k in FIXED64_KINDS:
            return "try %s.fixed64(field: %d)" % (value, number)
        return "try %s.fixed32(field: %d)" % (value, number)

    def from_raw(self, k, type_name, resolved, raw):
        if k == "bool":
            return "(%s) != 0" % raw
        if k == "enum":
            swift = self.names.swift_type(resolved)
            return "%s(rawValue: Int(Int32(truncatingIfNeeded: %s))) ?? %s()" % (swift, raw, swift)
        if k in ("int32", "uint32", "int64", "uint64"):
            return "%s(truncatingIfNeeded: %s)" % (SWIFT_SCALAR[k], raw)
        if k in ("sint32", "sint64"):
            return "%s(truncatingIfNeeded: ProtoWireReader.unZigZag(%s))" % (SWIFT_SCALAR[k], raw)
        if k == "double":
            return "Double(bitPattern: %s)" % raw
        if k == "float":
            return "Float(bitPattern: %s)" % raw
        if k in ("fixed32", "fixed64"):
            return raw
        if k == "sfixed32":
            return "Int32(bitPattern: %s)" % raw
        if k == "sfixed64":
            return "Int64(bitPattern: %s)" % raw
        raise ProtoError("cannot read " + k)

    def packed_read(self, field, value):
        k = kind(field.type_name, field.resolved)
        if k in VARINT_KINDS:
            helper = "packedVarints"
        elif k in FIXED64_KINDS:
            helper = "packedFixed64s"
        else:
            helper = "packedFixed32s"
        element = self.from_raw(k, field.type_name, field.resolved, "$0")
        mapped = "" if element == "$0" else ".map { %s }" % element
        return "try %s.%s(field: %d)%s" % (value, helper, field.number, mapped)

    def packed_write(self, field, v):
        k = kind(field.type_name, field.resolved)
        element = self.wire_scalar(k, "$0")
        values = v if element == "$0" else "%s.map { %s }" % (v, element)
        if k in VARINT_KINDS:
            return "writer.writePackedVarints(field: %d, %s)" % (field.number, values)
        if k in FIXED64_KINDS:
            return "writer.writePackedFixed64s(field: %d, %s)" % (field.number, values)
        return "writer.writePackedFixed32s(field: %d, %s)" % (field.number, values)


# ---------------------------------------------------------------------------------------------
# Swift: declarations.

HEADER = "// Generated by Scripts/generate-cri.py from %s. Do not edit.\n"


def doc_lines(text, indent):
    return ["%s/// %s" % (indent, line) for line in text]


def emit_enum(enum, names, indent):
    swift = names.swift_type(enum)
    short = enum.name
    out = []
    out.append("%s/// The protobuf enum `%s`; values this code does not know decode as `UNRECOGNIZED`." % (indent, enum.full_name))
    declared = short if enum.parent else swift
    out.append("%spublic enum %s: Hashable, Sendable, CaseIterable, RawRepresentable {" % (indent, declared))
    inner = indent + "    "
    out.append("%spublic typealias RawValue = Int" % inner)
    cases = []
    seen = set()
    for value, number in enum.values:
        if number in seen:
            continue            # an alias: the first name for a number is the case
        seen.add(number)
        cases.append((escape(case_name(enum, value)), number))
    for name, number in cases:
        out.append("%scase %s // = %d" % (inner, name, number))
    out.append("%scase UNRECOGNIZED(Int)" % inner)
    out.append("")
    out.append("%spublic init() { self = .%s }" % (inner, cases[0][0]))
    out.append("")
    out.append("%spublic init?(rawValue: Int) {" % inner)
    out.append("%s    switch rawValue {" % inner)
    for name, number in cases:
        out.append("%s    case %d: self = .%s" % (inner, number, name))
    out.append("%s    default: self = .UNRECOGNIZED(rawValue)" % inner)
    out.append("%s    }" % inner)
    out.append("%s}" % inner)
    out.append("")
    out.append("%spublic var rawValue: Int {" % inner)
    out.append("%s    switch self {" % inner)
    for name, number in cases:
        out.append("%s    case .%s: return %d" % (inner, name, number))
    out.append("%s    case .UNRECOGNIZED(let value): return value" % inner)
    out.append("%s    }" % inner)
    out.append("%s}" % inner)
    out.append("")
    out.append("%spublic static let allCases: [%s] = [%s]" % (inner, swift, ", ".join("." + n for n, _ in cases)))
    out.append("%s}" % indent)
    return out


def emit_message(message, names, emitter, keep, indent):
    swift = names.swift_type(message)
    inner = indent + "    "
    out = []
    out.append("%s/// The protobuf message `%s`." % (indent, message.full_name))
    declared = message.name if message.parent else swift
    out.append("%spublic struct %s: CRIMessage {" % (indent, declared))
    oneof_fields = {}
    for field in message.fields:
        if field.oneof:
            oneof_fields.setdefault(field.oneof, []).append(field)
    for field in message.fields:
        name = property_name(field)
        swift_type = emitter.field_type(field)
        if field.oneof:
            group = camel(field.oneof)
            case = escape(name)
            out.append("%spublic var %s: %s {" % (inner, escape(name), swift_type))
            out.append("%s    get { if case .%s(let value)? = %s { return value }; return %s }" % (
                inner, case, escape(group), emitter.default(field.type_name, field.resolved)))
            out.append("%s    set { %s = .%s(newValue) }" % (inner, escape(group), case))
            out.append("%s}" % inner)
            continue
        presence = field.label == "optional" or (
            field.label == "" and kind(field.type_name, field.resolved) == "message")
        if presence:
            upper = name[:1].upper() + name[1:]
            out.append("%spublic var %s: %s {" % (inner, escape(name), swift_type))
            out.append("%s    get { _%s ?? %s }" % (inner, name, emitter.default(field.type_name, field.resolved)))
            out.append("%s    set { _%s = newValue }" % (inner, name))
            out.append("%s}" % inner)
            out.append("%s/// Whether `%s` has been set." % (inner, name))
            out.append("%spublic var has%s: Bool { _%s != nil }" % (inner, upper, name))
            out.append("%s/// Unsets `%s`: reading it then gives its default." % (inner, name))
            out.append("%spublic mutating func clear%s() { _%s = nil }" % (inner, upper, name))
            out.append("%sfileprivate var _%s: %s? = nil" % (inner, name, swift_type))
        else:
            if field.label in ("repeated",):
                default = "[]"
            elif field.label == "map":
                default = "[:]"
            else:
                default = emitter.default(field.type_name, field.resolved)
            out.append("%spublic var %s: %s = %s" % (inner, escape(name), swift_type, default))
    for group, fields in oneof_fields.items():
        enum_name = "OneOf_" + camel(group, upper_first=True)
        out.append("")
        out.append("%s/// Which field of the oneof `%s` is set." % (inner, group))
        out.append("%spublic var %s: %s? = nil" % (inner, escape(camel(group)), enum_name))
        out.append("%spublic enum %s: Hashable, Sendable {" % (inner, enum_name))
        for field in fields:
            out.append("%s    case %s(%s)" % (inner, escape(property_name(field)), emitter.field_type(field)))
        out.append("%s}" % inner)
    out.append("")
    out.append("%spublic init() {}" % inner)
    for child in message.enums:
        if id(child) in keep:
            out.append("")
            out += emit_enum(child, names, inner)
    for child in message.messages:
        if id(child) in keep:
            out.append("")
            out += emit_message(child, names, emitter, keep, inner)
    out.append("%s}" % indent)
    return out


def emit_codec(message, names, emitter, keep):
    """The wire encoding of one message (and its nested messages), as an extension."""
    swift = names.swift_type(message)
    out = ["", "extension %s {" % swift]
    # Decoding.
    out.append("    public mutating func merge(wire bytes: ArraySlice<UInt8>) throws {")
    out.append("        var reader = ProtoWireReader(bytes)")
    out.append("        while let field = try reader.nextField() {")
    out.append("            switch field.number {")
    for field in message.fields:
        name = property_name(field)
        target = escape(name)
        k = kind(field.type_name, field.resolved)
        out.append("            case %d:" % field.number)
        if field.label == "map":
            kk = field.key_type
            vk = kind(field.type_name, field.resolved)
            out.append("                var entry = ProtoWireReader(try field.value.lengthDelimited(field: %d))" % field.number)
            out.append("                var key: %s = %s" % (SWIFT_SCALAR[kk], emitter.default(kk, None)))
            out.append("                var value: %s = %s" % (emitter.element_type(field.type_name, field.resolved),
                                                            emitter.default(field.type_name, field.resolved)))
            out.append("                while let part = try entry.nextField() {")
            out.append("                    switch part.number {")
            out.append("                    case 1: key = %s" % emitter.read_value(kk, kk, None, "part.value", 1))
            if vk == "message":
                out.append("                    case 2: try value.merge(wire: part.value.lengthDelimited(field: 2))")
            else:
                out.append("                    case 2: value = %s" % emitter.read_value(vk, field.type_name, field.resolved, "part.value", 2))
            out.append("                    default: break")
            out.append("                    }")
            out.append("                }")
            out.append("                %s[key] = value" % target)
        elif field.label == "repeated":
            if k in ("string", "bytes", "message"):
                out.append("                %s.append(%s)" % (target, emitter.read_value(k, field.type_name, field.resolved, "field.value", field.number)))
            else:
                out.append("                %s += %s" % (target, emitter.packed_read(field, "field.value")))
        elif field.oneof:
            group = escape(camel(field.oneof))
            if k == "message":
                # The getter gives the default unless this member is the one set.
                out.append("                var value = %s" % target)
                out.append("                try value.merge(wire: field.value.lengthDelimited(field: %d))" % field.number)
                out.append("                %s = .%s(value)" % (group, target))
            else:
                out.append("                %s = .%s(%s)" % (group, target, emitter.read_value(k, field.type_name, field.resolved, "field.value", field.number)))
        elif k == "message":
            # A message field seen twice is merged, as protobuf specifies.
            out.append("                var value = _%s ?? %s" % (name, emitter.default(field.type_name, field.resolved)))
            out.append("                try value.merge(wire: field.value.lengthDelimited(field: %d))" % field.number)
            out.append("                _%s = value" % name)
        else:
            out.append("                %s = %s" % (target, emitter.read_value(k, field.type_name, field.resolved, "field.value", field.number)))
    out.append("            default:")
    out.append("                // Unknown fields (a newer runtime's additions) are skipped.")
    out.append("                break")
    out.append("            }")
    out.append("        }")
    out.append("    }")
    out.append("")
    # Encoding, in field-number order as protobuf writers do.
    out.append("    public func encode(to writer: inout ProtoWireWriter) {")
    oneofs_done = set()
    for field in sorted(message.fields, key=lambda f: f.number):
        name = property_name(field)
        target = escape(name)
        k = kind(field.type_name, field.resolved)
        if field.oneof:
            if field.oneof in oneofs_done:
                continue
            oneofs_done.add(field.oneof)
            group = escape(camel(field.oneof))
            out.append("        switch %s {" % group)
            for member in [f for f in message.fields if f.oneof == field.oneof]:
                mk = kind(member.type_name, member.resolved)
                out.append("        case .%s(let value)?: %s" % (escape(property_name(member)), emitter.write_value(mk, member.number, "value")))
            out.append("        case nil: break")
            out.append("        }")
        elif field.label == "map":
            kk = field.key_type
            vk = kind(field.type_name, field.resolved)
            # Sorted keys: the same message always encodes to the same bytes.
            out.append("        for (key, value) in %s.sorted(by: { $0.key < $1.key }) {" % target)
            out.append("            writer.writeMessage(field: %d) { entry in" % field.number)
            out.append("                %s" % emitter.write_value(kk, 1, "key", writer="entry"))
            out.append("                %s" % emitter.write_value(vk, 2, "value", writer="entry"))
            out.append("            }")
            out.append("        }")
        elif field.label == "repeated":
            if k in ("string", "bytes", "message"):
                out.append("        for value in %s { %s }" % (target, emitter.write_value(k, field.number, "value")))
            else:
                out.append("        if !%s.isEmpty { %s }" % (target, emitter.packed_write(field, target)))
        elif field.label == "optional" or k == "message":
            out.append("        if let value = _%s { %s }" % (name, emitter.write_value(k, field.number, "value")))
        else:
            out.append("        if %s { %s }" % (emitter.is_set(k, target), emitter.write_value(k, field.number, target)))
    out.append("    }")
    out.append("}")
    for child in message.messages:
        if id(child) in keep:
            out += emit_codec(child, names, emitter, keep)
    return out


def emit_services(parser, names, header):
    out = [header, "import GRPCCore", ""]
    for service in parser.services:
        full = "%s.%s" % (parser.package, service.name)
        swift = names.prefix + service.name
        out.append("/// The gRPC service `%s`: its descriptor and one descriptor per method." % full)
        out.append("public enum %s {" % swift)
        out.append('    public static let descriptor = ServiceDescriptor(fullyQualifiedService: "%s")' % full)
        out.append("")
        out.append("    /// The service's methods; each names its request and response message.")
        out.append("    public enum Method {")
        for name, request, response in service.rpcs:
            out.append("        public enum %s: CRIMethod {" % name)
            out.append("            public typealias Input = %s" % names.swift_type(request))
            out.append("            public typealias Output = %s" % names.swift_type(response))
            out.append('            public static let descriptor = MethodDescriptor(service: %s.descriptor, method: "%s", type: .unary)' % (swift, name))
            out.append("        }")
        out.append("    }")
        out.append("}")
        out.append("")
    return out


def generate(proto, everything, imports):
    with open(proto, encoding="utf-8") as handle:
        parser = Parser(tokenize(handle.read()))
    parser.parse()
    types = index_types(parser)
    resolve(parser, types)
    names = Names(parser.package)
    emitter = Emitter(names)
    keep = {id(node) for node in types.values()} if everything else reachable(parser, types, names)
    top_messages = [m for m in parser.messages if id(m) in keep]
    check_no_cycles([t for t in types.values() if isinstance(t, Message) and id(t) in keep])

    header = HEADER % os.path.relpath(proto, ROOT)
    stem = os.path.splitext(os.path.basename(proto))[0]
    files = {}
    enums = [header]
    for enum in parser.enums:
        if id(enum) in keep:
            enums += emit_enum(enum, names, "")
            enums.append("")
    files[stem + ".enums.swift"] = enums

    part = 1
    current = None
    for message in top_messages:
        chunk = [""] + emit_message(message, names, emitter, keep, "") + emit_codec(message, names, emitter, keep)
        if current is None or len(current) + len(chunk) > FILE_LINES:
            current = [header] + ["import %s" % m for m in sorted(imports + ["KubeAPI"])]
            files["%s.messages.%d.swift" % (stem, part)] = current
            part += 1
        current += chunk
    if parser.services:
        files[stem + ".services.swift"] = emit_services(parser, names, header)
    return {name: "\n".join(lines).rstrip("\n") + "\n" for name, lines in files.items()}


def main():
    global OUT
    arguments = sys.argv[1:]
    check = "--check" in arguments
    proto = PROTO
    if "--proto" in arguments:
        proto = os.path.abspath(arguments[arguments.index("--proto") + 1])
    if "--out" in arguments:
        OUT = os.path.abspath(arguments[arguments.index("--out") + 1])
    try:
        imports = [arguments[i + 1] for i, a in enumerate(arguments) if a == "--import"]
        files = generate(proto, "--all" in arguments, imports)
    except ProtoError as error:
        sys.stderr.write("generate-cri: %s\n" % error)
        return 2
    existing = {n for n in os.listdir(OUT) if n.endswith(".swift")} if os.path.isdir(OUT) else set()
    stale = existing - set(files)
    changed = [n for n, text in files.items()
               if not os.path.exists(os.path.join(OUT, n)) or open(os.path.join(OUT, n), encoding="utf-8").read() != text]
    if check:
        for name in sorted(stale | set(changed)):
            print("stale: %s" % os.path.relpath(os.path.join(OUT, name), ROOT))
        return 1 if stale or changed else 0
    os.makedirs(OUT, exist_ok=True)
    for name in stale:
        os.remove(os.path.join(OUT, name))
    for name, text in sorted(files.items()):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as handle:
            handle.write(text)
        print("wrote %s (%d lines)" % (os.path.relpath(os.path.join(OUT, name), ROOT), text.count("\n")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
