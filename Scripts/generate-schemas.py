#!/usr/bin/env python3
"""Generates Sources/KubeAPI/Schema/Generated/*.swift from upstream Go API types.

Reads the `types.go` files of a kubernetes/api checkout (tag v0.32.x) and of
kubernetes/apimachinery (pkg/apis/meta/v1), keeping only field names, JSON types,
required-ness, list types and patch tags (the wire contract); no upstream text is copied.

Usage: generate-schemas.py <dir with core/v1/types.go, apps/v1/types.go, ..., meta/v1/types.go> <out dir>
"""
import os
import re
import sys

SRC, OUT = sys.argv[1], sys.argv[2]

# package dir -> OpenAPI name prefix
PACKAGES = {
    "meta/v1": "io.k8s.apimachinery.pkg.apis.meta.v1",
    "core/v1": "io.k8s.api.core.v1",
    "apps/v1": "io.k8s.api.apps.v1",
    "batch/v1": "io.k8s.api.batch.v1",
    "autoscaling/v1": "io.k8s.api.autoscaling.v1",
    "coordination/v1": "io.k8s.api.coordination.v1",
    "discovery/v1": "io.k8s.api.discovery.v1",
    "events/v1": "io.k8s.api.events.v1",
    "networking/v1": "io.k8s.api.networking.v1",
    "policy/v1": "io.k8s.api.policy.v1",
    "rbac/v1": "io.k8s.api.rbac.v1",
    "scheduling/v1": "io.k8s.api.scheduling.v1",
    "storage/v1": "io.k8s.api.storage.v1",
}
IMPORT_PATHS = {
    "k8s.io/api/core/v1": "core/v1",
    "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
}
# (package, type, group, kind): the kinds the catalog declares, with their list kinds.
ROOTS = [
    ("core/v1", t, "", t) for t in [
        "Pod", "PodTemplate", "Service", "ConfigMap", "Secret", "Namespace", "ServiceAccount",
        "Endpoints", "Node", "Event", "PersistentVolumeClaim", "PersistentVolume", "LimitRange",
        "ResourceQuota", "ReplicationController", "Binding"]
] + [("apps/v1", t, "apps", t) for t in ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ControllerRevision"]] + [
    ("batch/v1", "Job", "batch", "Job"), ("batch/v1", "CronJob", "batch", "CronJob"),
    ("autoscaling/v1", "Scale", "autoscaling", "Scale"),
    ("coordination/v1", "Lease", "coordination.k8s.io", "Lease"),
    ("discovery/v1", "EndpointSlice", "discovery.k8s.io", "EndpointSlice"),
    ("events/v1", "Event", "events.k8s.io", "Event"),
    ("networking/v1", "Ingress", "networking.k8s.io", "Ingress"),
    ("networking/v1", "IngressClass", "networking.k8s.io", "IngressClass"),
    ("networking/v1", "NetworkPolicy", "networking.k8s.io", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget", "policy", "PodDisruptionBudget"),
    ("policy/v1", "Eviction", "policy", "Eviction"),
    ("scheduling/v1", "PriorityClass", "scheduling.k8s.io", "PriorityClass"),
    ("storage/v1", "StorageClass", "storage.k8s.io", "StorageClass"),
] + [("rbac/v1", t, "rbac.authorization.k8s.io", t) for t in ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]]
# Types the API machinery always needs in documents (list metadata, delete bodies, errors).
EXTRA = [("meta/v1", t) for t in ["ListMeta", "Status", "DeleteOptions", "Patch"]]

SPECIAL = {
    "intstr.IntOrString": ".intOrString",
    "resource.Quantity": ".quantity",
    "metav1.Time": ".time", "Time": None, "metav1.MicroTime": ".time",
    "metav1.Duration": ".string", "types.UID": ".string", "UID": ".string",
    "runtime.RawExtension": ".preserveUnknown", "runtime.Object": ".preserveUnknown",
    "apiextensionsv1.JSON": ".preserveUnknown",
}
BUILTIN = {"string": ".string", "bool": ".boolean", "int32": ".int32", "int64": ".int64", "int": ".int32",
           "uint64": ".int64", "float64": ".number", "float32": ".number"}


class GoPackage:
    def __init__(self, pkg):
        self.pkg = pkg
        self.structs = {}   # name -> list of raw field tuples
        self.aliases = {}   # name -> underlying Go type
        self.imports = {}   # alias -> package dir
        path = os.path.join(SRC, pkg, "types.go")
        self.parse(open(path).read())

    def parse(self, text):
        for alias, path in re.findall(r'^\s*(\w+)?\s*"([^"]+)"\s*$', text, re.M):
            if path in IMPORT_PATHS:
                self.imports[alias or path.split("/")[-1]] = IMPORT_PATHS[path]
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            m = re.match(r"^type (\w+) struct\s*\{\s*\}?\s*$", line)
            if m:
                name, fields, comments = m.group(1), [], []
                if line.rstrip().endswith("{}"):
                    self.structs[name] = fields
                    i += 1
                    continue
                i += 1
                while not lines[i].startswith("}"):
                    body = lines[i].strip()
                    if body.startswith("//"):
                        comments.append(body)
                    elif "`" in body:
                        fields.append((body, comments))
                        comments = []
                    else:
                        comments = []
                    i += 1
                self.structs[name] = fields
            else:
                m = re.match(r"^type (\w+) (\S.*)$", line)
                if m and not m.group(2).startswith(("struct", "interface")):
                    self.aliases[m.group(1)] = m.group(2).strip()
            i += 1


PKGS = {p: GoPackage(p) for p in PACKAGES}
emitted = {}   # full name -> swift expression
queue = []


def full_name(pkg, name):
    return PACKAGES[pkg] + "." + name


def ref_expr(pkg, name):
    if pkg == "core/v1":
        return f'.core("{name}")'
    if pkg == "meta/v1":
        return f'.meta("{name}")'
    return f'.reference("{full_name(pkg, name)}")'


def want(pkg, name):
    fn = full_name(pkg, name)
    if fn not in emitted and (pkg, name) not in queue:
        queue.append((pkg, name))


def go_type(pkg, t):
    """Swift DSL expression for a Go type used in package `pkg`."""
    t = t.strip().lstrip("*")
    if t == "[]byte":
        return ".byte"
    if t.startswith("[]"):
        return f".list({go_type(pkg, t[2:])})"
    m = re.match(r"map\[[^\]]+\](.+)", t)
    if m:
        return f".map({go_type(pkg, m.group(1))})"
    if t in SPECIAL and SPECIAL[t]:
        return SPECIAL[t]
    if t in BUILTIN:
        return BUILTIN[t]
    if "." in t:
        alias, name = t.split(".", 1)
        other = PKGS[pkg].imports.get(alias)
        if other is None:
            raise SystemExit(f"unknown package {alias} for {t} in {pkg}")
        return go_type(other, name)
    P = PKGS[pkg]
    if pkg == "meta/v1" and t in ("Time", "MicroTime"):
        return ".time"
    if pkg == "meta/v1" and t == "Duration":
        return ".string"
    if t in P.structs:
        want(pkg, t)
        return ref_expr(pkg, t)
    if t in P.aliases:
        return go_type(pkg, P.aliases[t])
    raise SystemExit(f"unknown type {t} in {pkg}")


def tag(body, key):
    m = re.search(key + r':"([^"]*)"', body)
    return m.group(1) if m else None


def properties(pkg, name):
    """[(json name, swift expr, required, patchStrategy-for-objects)] with inlined embeds."""
    out = []
    for body, comments in PKGS[pkg].structs[name]:
        decl = body.split("`")[0].split()
        jsontag = tag(body, "json")
        if jsontag is None or jsontag == "-":
            continue
        jname, _, opts = jsontag.partition(",")
        if len(decl) == 1:  # embedded
            gotype = decl[0]
            if jname == "":
                if gotype == "metav1.TypeMeta" or (pkg == "meta/v1" and gotype == "TypeMeta"):
                    out.append(("kind", ".string", False, None, comments))
                    out.append(("apiVersion", ".string", False, None, comments))
                    continue
                target_pkg, target = (PKGS[pkg].imports[gotype.split(".")[0]], gotype.split(".")[1]) if "." in gotype else (pkg, gotype)
                out.extend(properties(target_pkg, target))
                continue
        else:
            gotype = " ".join(decl[1:])
        optional = "omitempty" in opts or any(c.startswith("// +optional") for c in comments)
        ctags = {}
        for c in comments:
            m = re.match(r"// \+(listType|listMapKey|patchMergeKey|patchStrategy)=(\S+)", c)
            if m:
                ctags.setdefault(m.group(1), []).append(m.group(2))
        merge = tag(body, "patchMergeKey") or (ctags.get("patchMergeKey") or [None])[0]
        strategy = tag(body, "patchStrategy") or (ctags.get("patchStrategy") or [None])[0]
        expr = go_type(pkg, gotype)
        objstrategy = None
        if expr.startswith(".list("):
            args = []
            if "listType" in ctags:
                args.append(f"type: .{ctags['listType'][0]}")
            if "listMapKey" in ctags:
                args.append("keys: [" + ", ".join(f'"{k}"' for k in ctags["listMapKey"]) + "]")
            if merge:
                args.append(f'merge: "{merge}"')
            if strategy:
                args.append(f'strategy: "{strategy}"')
            if args:
                expr = expr[:-1] + ", " + ", ".join(args) + ")"
        elif strategy:
            objstrategy = strategy
        out.append((jname, expr, not optional, objstrategy, comments))
    return out


def emit(pkg, name):
    props = properties(pkg, name)
    if pkg == "meta/v1" and name == "FieldsV1":
        return ".preserveUnknown"
    if pkg == "meta/v1" and name == "Patch":
        return ".object([])"
    lines = []
    for jname, expr, _, objstrategy, _ in props:
        extra = f', patchStrategy: "{objstrategy}"' if objstrategy else ""
        lines.append(f'            .p("{jname}", {expr}{extra}),')
    required = [p[0] for p in props if p[2]]
    req = ", required: [" + ", ".join(f'"{r}"' for r in required) + "]" if required else ""
    if not lines:
        return f".object([]{req})"
    return ".object([\n" + "\n".join(lines) + f"\n        ]{req})"


for pkg, t, _, _ in ROOTS:
    want(pkg, t)
    list_name = t + "List"
    if list_name in PKGS[pkg].structs:
        want(pkg, list_name)
for pkg, t in EXTRA:
    want(pkg, t)
want("meta/v1", "Condition")
while queue:
    pkg, name = queue.pop(0)
    emitted[full_name(pkg, name)] = (pkg, name, emit(pkg, name))

# Write one file per package (core split in parts to keep files readable).
by_pkg = {}
for fn, (pkg, name, expr) in emitted.items():
    by_pkg.setdefault(pkg, []).append((fn, expr))
os.makedirs(OUT, exist_ok=True)
funcs = []


def title(pkg):
    g, v = pkg.split("/")
    return g[0].upper() + g[1:] + v.upper()


def write(fname, func, entries, pkg):
    body = "\n".join(f'        d["{fn}"] = {expr}' for fn, expr in entries)
    with open(os.path.join(OUT, fname), "w") as f:
        f.write(f"// Generated by Scripts/generate-schemas.py from upstream {pkg} types (v1.32): field names,\n"
                f"// types, required fields, list types and patch tags. Do not edit by hand.\n\n"
                f"extension SchemaCatalog {{\n    static func {func}(_ d: inout [String: TypeSchema]) {{\n{body}\n    }}\n}}\n")
    funcs.append(func)


for pkg in PACKAGES:
    entries = sorted(by_pkg.get(pkg, []))
    if not entries:
        continue
    chunks = [entries]
    if pkg == "core/v1":
        chunks, cur, size = [], [], 0
        for e in entries:
            n = e[1].count("\n") + 1
            if size + n > 380 and cur:
                chunks.append(cur)
                cur, size = [], 0
            cur.append(e)
            size += n
        chunks.append(cur)
    for i, chunk in enumerate(chunks):
        suffix = f"{i + 1}" if len(chunks) > 1 else ""
        write(f"Schemas+{title(pkg)}{suffix}.swift", f"define{title(pkg)}{suffix}", chunk, pkg)

kinds = []
for pkg, t, group, kind in ROOTS:
    v = pkg.split("/")[1]
    kinds.append(f'        (GroupVersionKind(group: "{group}", version: "{v}", kind: "{kind}"), "{full_name(pkg, t)}"),')
    if t + "List" in PKGS[pkg].structs:
        kinds.append(f'        (GroupVersionKind(group: "{group}", version: "{v}", kind: "{kind}List"), "{full_name(pkg, t + "List")}"),')
with open(os.path.join(OUT, "Schemas+Index.swift"), "w") as f:
    f.write("// Generated by Scripts/generate-schemas.py. Do not edit by hand.\n\nextension SchemaCatalog {\n"
            "    /// Every generated definition, by upstream OpenAPI name.\n"
            "    static func generatedDefinitions() -> [String: TypeSchema] {\n"
            "        var d: [String: TypeSchema] = [:]\n" +
            "".join(f"        {fn}(&d)\n" for fn in funcs) +
            "        return d\n    }\n\n"
            "    /// The top-level kinds (and their lists) with the name of their schema.\n"
            "    static let generatedKinds: [(GroupVersionKind, String)] = [\n" + "\n".join(kinds) + "\n    ]\n}\n")
print(f"{len(emitted)} definitions in {len(funcs)} files")
