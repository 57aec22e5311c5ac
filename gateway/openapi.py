"""OpenAPI 3.1 document generated from the same descriptors the transcoder uses."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor as _d
from google.rpc import status_pb2

from gateway.transcode import Route

_FD = _d.FieldDescriptor
_SCALARS: dict[int, dict[str, Any]] = {
    _FD.TYPE_DOUBLE: {"type": "number", "format": "double"},
    _FD.TYPE_FLOAT: {"type": "number", "format": "float"},
    _FD.TYPE_INT64: {"type": "string", "format": "int64"},
    _FD.TYPE_UINT64: {"type": "string", "format": "uint64"},
    _FD.TYPE_INT32: {"type": "integer", "format": "int32"},
    _FD.TYPE_FIXED64: {"type": "string", "format": "uint64"},
    _FD.TYPE_FIXED32: {"type": "integer", "format": "int64"},
    _FD.TYPE_BOOL: {"type": "boolean"},
    _FD.TYPE_STRING: {"type": "string"},
    _FD.TYPE_BYTES: {"type": "string", "format": "byte"},
    _FD.TYPE_UINT32: {"type": "integer", "format": "int64"},
    _FD.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    _FD.TYPE_SFIXED64: {"type": "string", "format": "int64"},
    _FD.TYPE_SINT32: {"type": "integer", "format": "int32"},
    _FD.TYPE_SINT64: {"type": "string", "format": "int64"},
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
    "google.protobuf.FieldMask": {"type": "string", "description": "comma-separated field paths"},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.Empty": {"type": "object"},
}


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def message(self, desc: _d.Descriptor) -> dict[str, Any]:
        if desc.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[desc.full_name])
        if desc.full_name not in self.components:
            self.components[desc.full_name] = {}  # placeholder first: recursive messages
            props = {f.json_name: self.field(f) for f in desc.fields}
            # The transcoder refuses unknown fields (INVALID_JSON), so the document does too.
            self.components[desc.full_name] = {
                "type": "object",
                "properties": props,
                "additionalProperties": False,
            }
        return {"$ref": f"#/components/schemas/{desc.full_name}"}

    def single(self, f: _d.FieldDescriptor) -> dict[str, Any]:
        if f.message_type is not None:
            return self.message(f.message_type)
        if f.enum_type is not None:
            return {"type": "string", "enum": [v.name for v in f.enum_type.values]}
        return dict(_SCALARS[f.type])

    def field(self, f: _d.FieldDescriptor) -> dict[str, Any]:
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            value = f.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.single(value)}
        if f.is_repeated:
            return {"type": "array", "items": self.single(f)}
        return self.single(f)


def _query_params(route: Route, schemas: _Schemas) -> list[dict[str, Any]]:
    if route.body == "*":
        return []
    bound = {v.field_path.split(".")[0] for v in route.template.variables} | {route.body}
    out = []
    for f in route.method.input_type.fields:
        if f.name in bound:
            continue
        if f.message_type is not None and f.message_type.full_name not in _WELL_KNOWN:
            continue
        out.append({"name": f.json_name, "in": "query", "required": False, "schema": schemas.field(f)})
    return out


def document(routes: list[Route], *, title: str = "dgcp gateway", version: str = "v1") -> dict[str, Any]:
    schemas = _Schemas()
    status_ref = schemas.message(status_pb2.Status.DESCRIPTOR)
    paths: dict[str, Any] = {}
    for route in routes:
        path, path_params = route.template.openapi_path()
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": f"part of `{field}`",
                "schema": {"type": "string"},
            }
            for name, field in path_params
        ]
        params += _query_params(route, schemas)
        out_desc = route.method.output_type
        response_schema = (
            schemas.field(out_desc.fields_by_name[route.response_body])
            if route.response_body
            else schemas.message(out_desc)
        )
        op: dict[str, Any] = {
            "operationId": f"{route.method.containing_service.name}_{route.method.name}",
            "tags": [route.method.containing_service.full_name],
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": response_schema}}},
                "default": {
                    "description": "google.rpc.Status",
                    "content": {"application/json": {"schema": status_ref}},
                },
            },
        }
        if route.body:
            in_desc = route.method.input_type
            schema = (
                schemas.message(in_desc)
                if route.body == "*"
                else schemas.field(in_desc.fields_by_name[route.body])
            )
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
        paths.setdefault(path, {})[route.http_method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}, {}],
    }
