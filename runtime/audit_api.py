"""The AuditService every service serves over its own audit log (authority only)."""

from __future__ import annotations

from typing import Any

import grpc

from dgcp.audit.v1 import audit_pb2 as pb
from dgcp.audit.v1 import audit_pb2_grpc as pb_grpc
from runtime import audit
from runtime.auth import AccessTable, Role
from runtime.resources import (
    decode_page_token,
    encode_page_token,
    from_timestamp,
    page_size,
    to_timestamp,
)

ACCESS: AccessTable = {
    "ListAuditEvents": frozenset({Role.AUTHORITY}),
    "VerifyAuditLog": frozenset({Role.AUTHORITY}),
}

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AuditService"].full_name


def event_to_proto(row: Any) -> pb.AuditEvent:
    return pb.AuditEvent(
        name=f"auditEvents/{row.id}",
        time=to_timestamp(row.at),
        service=row.service,
        method=row.method,
        request_id=row.request_id,
        subject=row.subject,
        role=row.role,
        org=row.org,
        client=row.client,
        peer=row.peer,
        forwarded_for=row.forwarded_for,
        resources=audit.decode_resources(row.resources),
        code=row.code,
        reason=row.reason,
        sequence=int(row.seq or 0),
        previous_hash=row.prev_hash or "",
        hash=row.hash or "",
    )


class AuditServicer(pb_grpc.AuditServiceServicer):
    def __init__(self, audit_log: audit.AuditLog) -> None:
        self.log = audit_log

    def ListAuditEvents(
        self, request: pb.ListAuditEventsRequest, context: grpc.ServicerContext
    ) -> pb.ListAuditEventsResponse:
        filt = audit.Filter(
            subject=request.subject.strip(),
            resource=request.resource.strip(),
            method=request.method.strip(),
            request_id=request.request_id.strip(),
            start=from_timestamp(request.start_time) if request.HasField("start_time") else None,
            end=from_timestamp(request.end_time) if request.HasField("end_time") else None,
        )
        key = {
            "subject": filt.subject,
            "resource": filt.resource,
            "method": filt.method,
            "request_id": filt.request_id,
            "start": str(filt.start),
            "end": str(filt.end),
        }
        after = decode_page_token(request.page_token, key, int)
        size = page_size(request.page_size)
        rows = self.log.list(filt, limit=size + 1, before_id=int(after) if after is not None else None)
        page, more = rows[:size], len(rows) > size
        return pb.ListAuditEventsResponse(
            audit_events=[event_to_proto(r) for r in page],
            next_page_token=encode_page_token(str(page[-1].id), key) if more else "",
        )

    def VerifyAuditLog(
        self, request: pb.VerifyAuditLogRequest, context: grpc.ServicerContext
    ) -> pb.VerifyAuditLogResponse:
        verdict = self.log.verify()
        return pb.VerifyAuditLogResponse(
            valid=verdict.valid,
            checked_events=verdict.checked,
            first_bad_event=f"auditEvents/{verdict.first_bad_event}" if verdict.first_bad_event else "",
            problem=verdict.problem,
            bad_sequence=verdict.bad_sequence,
        )


def register(server: grpc.Server, audit_log: audit.AuditLog) -> list[str]:
    pb_grpc.add_AuditServiceServicer_to_server(AuditServicer(audit_log), server)
    return [SERVICE_NAME]
