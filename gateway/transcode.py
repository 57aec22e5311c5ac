"""HTTP/JSON ↔ gRPC transcoding driven by ``google.api.http`` rules.

At start-up :func:`discover` imports every generated ``dgcp.<svc>.v1`` module,
walks the service descriptors and compiles each method's HTTP rule (and its
``additional_bindings``) into a :class:`Route`: a regular expression from the
path template, the body selector and the response selector. A request is
turned into the method's input message the way grpc-gateway and Envoy's
transcoder do it: the JSON body (the whole message for ``body: "*"``, one
field otherwise) via protobuf's JSON mapping, then the path variables, then
the query parameters for every field not already bound. No method is named
here: annotating an RPC is all it takes to expose it.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor as _d
from google.protobuf import json_format, message_factory
from google.protobuf.message import Message

from runtime.errors import FieldViolation, InvalidArgument

_HTTP_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Segment:
    """One template segment: a literal, ``*`` or ``**``."""

    text: str


@dataclass(frozen=True)
class Variable:
    """``{field.path=pattern}``: binds the matched text to a (nested) field."""

    field_path: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Template:
    """A parsed path template (``/v1/{name=experts/*}:verb``)."""

    parts: tuple[Segment | Variable, ...]
    verb: str

    def regex(self) -> re.Pattern[str]:
        out = []
        for part in self.parts:
            if isinstance(part, Segment):
                out.append(_segment_regex(part))
            else:
                group = re.sub(r"[^A-Za-z0-9_]", "_", part.field_path)
                inner = "/".join(_segment_regex(s) for s in part.segments)
                out.append(f"(?P<{group}>{inner})")
        verb = f":{re.escape(self.verb)}" if self.verb else ""
        return re.compile("^/" + "/".join(out) + verb + "$")

    def openapi_path(self) -> tuple[str, list[tuple[str, str]]]:
        """The path as OpenAPI writes it, and its parameters as (parameter, bound field).

        A variable with a single ``*`` is one parameter named after its field;
        in ``{name=experts/*}`` the literal segments stay and each wildcard is a
        parameter named after the collection before it (``/v1/experts/{experts}``),
        so that paths of different resources stay distinct.
        """
        out: list[str] = []
        params: list[tuple[str, str]] = []
        for part in self.parts:
            if isinstance(part, Segment):
                out.append(part.text)
            elif [s.text for s in part.segments] == ["*"]:
                out.append("{" + part.field_path + "}")
                params.append((part.field_path, part.field_path))
            else:
                prev = part.field_path
                for seg in part.segments:
                    if seg.text in ("*", "**"):
                        out.append("{" + prev + "}")
                        params.append((prev, part.field_path))
                    else:
                        out.append(seg.text)
                        prev = seg.text
        return "/" + "/".join(out) + (f":{self.verb}" if self.verb else ""), params

    @property
    def variables(self) -> list[Variable]:
        return [p for p in self.parts if isinstance(p, Variable)]


def _segment_regex(seg: Segment) -> str:
    if seg.text == "*":
        return "[^/:]+"
    if seg.text == "**":
        return "[^:]+"
    return re.escape(seg.text)


def parse_template(template: str) -> Template:
    """Parse the http rule path syntax (google/api/http.proto, "Path template syntax")."""
    if not template.startswith("/"):
        raise ValueError(f"path template must start with '/': {template!r}")
    body, verb = template[1:], ""
    # A verb is a ':' after the last '/' and outside braces.
    depth, cut = 0, -1
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ":" and depth == 0:
            cut = i
    if cut >= 0 and "/" not in body[cut:]:
        body, verb = body[:cut], body[cut + 1 :]
    parts: list[Segment | Variable] = []
    for raw in _split_outside_braces(body):
        if raw.startswith("{") and raw.endswith("}"):
            inner = raw[1:-1]
            path, _, pattern = inner.partition("=")
            segments = tuple(Segment(s) for s in (pattern or "*").split("/"))
            parts.append(Variable(field_path=path.strip(), segments=segments))
        else:
            parts.append(Segment(raw))
    return Template(parts=tuple(parts), verb=verb)


def _split_outside_braces(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "/" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


@dataclass(frozen=True)
class Route:
    """One HTTP binding of one gRPC method."""

    service: str  # short service name, e.g. ``assignment`` (picks the upstream address)
    full_method: str  # ``/dgcp.assignment.v1.AssignmentService/GetExpert``
    method: _d.MethodDescriptor
    http_method: str  # upper case
    template: Template
    pattern: re.Pattern[str]
    body: str  # "", "*" or a top-level field name
    response_body: str
    input_class: type[Message]
    output_class: type[Message]

    @property
    def name(self) -> str:
        return self.method.name


def _rules(rule: http_pb2.HttpRule) -> Iterable[http_pb2.HttpRule]:
    yield rule
    yield from rule.additional_bindings


def _verb_and_path(rule: http_pb2.HttpRule) -> tuple[str, str] | None:
    kind = rule.WhichOneof("pattern")
    if kind in _HTTP_VERBS:
        return kind.upper(), getattr(rule, kind)
    if kind == "custom":
        return rule.custom.kind.upper(), rule.custom.path
    return None


def routes_of(file: _d.FileDescriptor) -> list[Route]:
    """Every HTTP binding of every service in one generated file."""
    package = file.package.split(".")
    service_key = package[1] if len(package) >= 3 and package[0] == "dgcp" else file.package
    out: list[Route] = []
    for service in file.services_by_name.values():
        for method in service.methods:
            opts = method.GetOptions()
            if not opts.HasExtension(annotations_pb2.http):
                continue
            for rule in _rules(opts.Extensions[annotations_pb2.http]):
                vp = _verb_and_path(rule)
                if vp is None:
                    continue
                template = parse_template(vp[1])
                out.append(
                    Route(
                        service=service_key,
                        full_method=f"/{service.full_name}/{method.name}",
                        method=method,
                        http_method=vp[0],
                        template=template,
                        pattern=template.regex(),
                        body=rule.body,
                        response_body=rule.response_body,
                        input_class=message_factory.GetMessageClass(method.input_type),
                        output_class=message_factory.GetMessageClass(method.output_type),
                    )
                )
    return out


def discover(package: str = "dgcp") -> list[Route]:
    """Import every ``*_pb2`` module under ``package`` and collect its routes."""
    root = importlib.import_module(package)
    routes: list[Route] = []
    seen: set[str] = set()
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if not info.name.endswith("_pb2") or ".v" not in info.name:
            continue
        module = importlib.import_module(info.name)
        file = module.DESCRIPTOR
        if file.name in seen:
            continue
        seen.add(file.name)
        routes += routes_of(file)
    # Literal-heavy templates first, so that ``/v1/scores:submit`` wins over ``/v1/{name=scores/*}``.
    routes.sort(key=lambda r: (-len(r.template.parts), len(r.template.variables), r.template.verb == ""))
    return routes


class Router:
    """Finds the route for (HTTP method, path)."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = list(routes)

    def match(self, http_method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, path variables, whether the path exists under another method)."""
        path_exists = False
        for route in self.routes:
            m = route.pattern.match(path)
            if m is None:
                continue
            if route.http_method != http_method:
                path_exists = True
                continue
            values = {
                v.field_path: m.group(re.sub(r"[^A-Za-z0-9_]", "_", v.field_path))
                for v in route.template.variables
            }
            return route, values, True
        return None, {}, path_exists


# --- building the request message -------------------------------------------------------------


def _bad(field: str, description: str) -> InvalidArgument:
    return InvalidArgument.fields([FieldViolation(field, description, "INVALID_HTTP_REQUEST")])


def _field_chain(message: _d.Descriptor, path: str) -> list[_d.FieldDescriptor]:
    chain: list[_d.FieldDescriptor] = []
    desc: _d.Descriptor | None = message
    for part in path.split("."):
        if desc is None:
            raise _bad(path, "is not a field of the request")
        f = desc.fields_by_name.get(part) or _by_json_name(desc, part)
        if f is None:
            raise _bad(path, "is not a field of the request")
        chain.append(f)
        desc = f.message_type if f.type == _d.FieldDescriptor.TYPE_MESSAGE else None
    return chain


def _by_json_name(desc: _d.Descriptor, name: str) -> _d.FieldDescriptor | None:
    for f in desc.fields:
        if f.json_name == name:
            return f
    return None


_WELL_KNOWN_SCALARS = {
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.FieldMask",
    "google.protobuf.StringValue",
    "google.protobuf.Int32Value",
    "google.protobuf.Int64Value",
    "google.protobuf.UInt32Value",
    "google.protobuf.UInt64Value",
    "google.protobuf.BoolValue",
    "google.protobuf.DoubleValue",
    "google.protobuf.FloatValue",
    "google.protobuf.BytesValue",
}


def _is_repeated(f: _d.FieldDescriptor) -> bool:
    return bool(f.is_repeated)


def _scalar_json(f: _d.FieldDescriptor, raw: str, path: str) -> Any:
    """A query/path string as the JSON value protobuf's parser expects for ``f``."""
    t = f.type
    if f.message_type is not None:
        if f.message_type.full_name in _WELL_KNOWN_SCALARS:
            return raw
        raise _bad(path, "a message field cannot be set from a query parameter")
    if t == _d.FieldDescriptor.TYPE_BOOL:
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise _bad(path, "must be true or false")
    if t == _d.FieldDescriptor.TYPE_ENUM:
        return int(raw) if _ASCII_INT.fullmatch(raw) and len(raw) < 12 else raw
    bounds = _INT_BOUNDS.get(t)
    if bounds is not None:
        # ASCII digits only: ``int`` also reads other scripts' digits (``١٢``) and ``isdigit``
        # accepts ``²``, which ``int`` then refuses.
        if not _ASCII_INT.fullmatch(raw) or len(raw) > 21 or not bounds[0] <= int(raw) <= bounds[1]:
            raise _bad(path, f"must be a whole number from {bounds[0]} to {bounds[1]}")
        return raw
    if t in (_d.FieldDescriptor.TYPE_DOUBLE, _d.FieldDescriptor.TYPE_FLOAT):
        if not _ASCII_FLOAT.fullmatch(raw):
            raise _bad(path, "must be a number")
        return raw
    return raw


_ASCII_INT = re.compile(r"-?[0-9]+")
_ASCII_FLOAT = re.compile(r"-?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})(?:[eE][+-]?[0-9]{1,3})?")
_I32, _I64 = 2**31, 2**63
_INT_BOUNDS: dict[int, tuple[int, int]] = {
    _d.FieldDescriptor.TYPE_INT32: (-_I32, _I32 - 1),
    _d.FieldDescriptor.TYPE_SINT32: (-_I32, _I32 - 1),
    _d.FieldDescriptor.TYPE_SFIXED32: (-_I32, _I32 - 1),
    _d.FieldDescriptor.TYPE_UINT32: (0, 2 * _I32 - 1),
    _d.FieldDescriptor.TYPE_FIXED32: (0, 2 * _I32 - 1),
    _d.FieldDescriptor.TYPE_INT64: (-_I64, _I64 - 1),
    _d.FieldDescriptor.TYPE_SINT64: (-_I64, _I64 - 1),
    _d.FieldDescriptor.TYPE_SFIXED64: (-_I64, _I64 - 1),
    _d.FieldDescriptor.TYPE_UINT64: (0, 2 * _I64 - 1),
    _d.FieldDescriptor.TYPE_FIXED64: (0, 2 * _I64 - 1),
}


def _set_path(target: dict[str, Any], chain: list[_d.FieldDescriptor], value: Any) -> None:
    node = target
    for f in chain[:-1]:
        node = node.setdefault(f.name, {})
        if not isinstance(node, dict):
            raise _bad(".".join(c.name for c in chain), "conflicts with another parameter")
    leaf = chain[-1]
    if _is_repeated(leaf):
        node.setdefault(leaf.name, []).append(value)
    else:
        node[leaf.name] = value


def _parse_body(route: Route, body: bytes, message: Message) -> None:
    """The JSON body into ``message`` (all of it, or the one field the rule names).

    The body is decoded as JSON on its own first: bytes that are not UTF-8 or
    JSON, escapes that are not text (lone surrogates, on which protobuf's C
    parser raises SystemError), nesting too deep for the parser, and a body for
    ``*`` that is not an object are the caller's mistake (INVALID_JSON); and a
    body for one field can only ever set that field.
    """
    where = "body" if route.body == "*" else route.body
    try:
        value = json.loads(body or b"{}")
        json.dumps(value, ensure_ascii=False).encode()  # lone surrogates (\ud800) are not text
        if route.body == "*":
            if not isinstance(value, dict):
                raise ValueError("the body must be a JSON object")
        else:
            value = {route.body: value}
        _check_numbers(route.method.input_type, value, "")
        json_format.ParseDict(value, message)
    except RecursionError:
        # Python's own words ("maximum recursion depth exceeded") are no answer for a caller.
        raise InvalidArgument.fields(
            [FieldViolation(where, "the JSON is nested too deeply", "INVALID_JSON")], reason="INVALID_JSON"
        ) from None
    except (ValueError, TypeError, json_format.ParseError) as exc:
        raise InvalidArgument.fields(
            [FieldViolation(where, str(exc)[:300], "INVALID_JSON")], reason="INVALID_JSON"
        ) from None


_NUMERIC = frozenset(_INT_BOUNDS) | {_d.FieldDescriptor.TYPE_DOUBLE, _d.FieldDescriptor.TYPE_FLOAT}
_FLOAT_WORDS = frozenset({"NaN", "Infinity", "-Infinity"})


def _check_numbers(desc: _d.Descriptor, value: Any, path: str) -> None:
    """Numbers written as JSON strings must be ASCII: protobuf reads them with Python's ``int`` and
    ``float``, which take digits of any script (``"１２"`` is 12 to them)."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        f = desc.fields_by_name.get(key) or _by_json_name(desc, key) if isinstance(key, str) else None
        if f is None:
            continue  # protobuf's parser names unknown fields
        where = f"{path}.{f.name}" if path else f.name
        if f.message_type is not None:
            if f.message_type.GetOptions().map_entry:
                vf = f.message_type.fields_by_name["value"]
                if isinstance(item, dict):
                    for k, v in item.items():
                        _check_scalar_or_message(vf, v, f"{where}[{k}]")
                continue
            if f.message_type.full_name.startswith("google.protobuf."):
                continue
        items = item if _is_repeated(f) and isinstance(item, list) else [item]
        for i, one in enumerate(items):
            _check_scalar_or_message(f, one, f"{where}[{i}]" if _is_repeated(f) else where)


def _check_scalar_or_message(f: _d.FieldDescriptor, value: Any, where: str) -> None:
    if f.message_type is not None:
        if not f.message_type.full_name.startswith("google.protobuf."):
            _check_numbers(f.message_type, value, where)
        return
    if f.type in _NUMERIC and isinstance(value, bool):
        raise ValueError(f"{where}: true/false is not a number")
    if f.type in _NUMERIC and isinstance(value, str):
        ok = _ASCII_INT.fullmatch(value) if f.type in _INT_BOUNDS else _ASCII_FLOAT.fullmatch(value)
        if not ok and value not in _FLOAT_WORDS:
            raise ValueError(f"{where}: {value[:40]!r} is not a number")


def build_request(
    route: Route,
    path_values: Mapping[str, str],
    query: Iterable[tuple[str, str]],
    body: bytes,
) -> Message:
    """The method's input message from the HTTP request's parts."""
    message = route.input_class()
    desc = route.method.input_type
    bound: set[str] = set()
    if route.body:
        _parse_body(route, body, message)
        bound = {f.name for f in desc.fields} if route.body == "*" else {route.body}
    values: dict[str, Any] = {}
    for path, raw in path_values.items():
        chain = _field_chain(desc, path)
        _set_path(values, chain, _scalar_json(chain[-1], raw, path))
        bound.add(path)
    for key, raw in query:
        chain = _field_chain(desc, key)
        if chain[0].name in bound or key in bound:
            continue  # grpc-gateway ignores query parameters for fields already bound
        _set_path(values, chain, _scalar_json(chain[-1], raw, key))
    if values:
        try:
            json_format.ParseDict(values, message)
        except (json_format.ParseError, ValueError, TypeError) as exc:
            raise InvalidArgument.fields(
                [FieldViolation("query", str(exc)[:300], "INVALID_PARAMETER")], reason="INVALID_PARAMETER"
            ) from None
    return message


def render_response(route: Route, response: Message) -> Any:
    """The JSON value of the response (or of its ``response_body`` field)."""
    data = json_format.MessageToDict(response)
    if route.response_body:
        f = route.output_class.DESCRIPTOR.fields_by_name[route.response_body]
        return data.get(f.json_name)
    return data
