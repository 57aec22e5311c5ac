"""Request limits, the decode guard and bounded error details (runtime/limits, errors, interceptors)."""

from __future__ import annotations

import base64
import sqlite3

import grpc
import sqlalchemy.exc

from dgcp.scoring.v1 import scoring_pb2
from dgcp.surveys.v1 import surveys_pb2
from runtime.errors import MAX_VIOLATIONS, FieldViolation, InvalidArgument, build_status
from runtime.interceptors import Refused, _classify, safe_deserializer
from runtime.limits import Checker, Limits

SUBMIT = scoring_pb2.SubmitScoreRequest


def _refusal(result: object) -> tuple[str, list[FieldViolation]]:
    assert isinstance(result, Refused), result
    return result.error.reason, result.error.violations


def test_undecodable_bytes_are_malformed_not_internal() -> None:
    parse = safe_deserializer(SUBMIT.FromString, max_bytes=1024)
    assert _refusal(parse(b"\x0a\x02\xff\xfe"))[0] == "MALFORMED_REQUEST"  # invalid UTF-8 in `case`
    assert _refusal(parse(b"\x0a\x50abc"))[0] == "MALFORMED_REQUEST"  # truncated
    assert _refusal(parse(b"\x0b" * 50))[0] == "MALFORMED_REQUEST"  # garbage
    assert parse(SUBMIT(case="cases/1").SerializeToString()).case == "cases/1"


def test_oversized_request_is_refused_before_decoding() -> None:
    calls = []

    def parse_spy(data: bytes) -> object:
        calls.append(data)
        return SUBMIT.FromString(data)

    parse = safe_deserializer(parse_spy, max_bytes=100)
    reason, _ = _refusal(parse(SUBMIT(case="x" * 200).SerializeToString()))
    assert reason == "REQUEST_TOO_LARGE" and not calls


def test_lists_maps_and_strings_are_bounded_by_default_and_override() -> None:
    limits = Limits(fields={"dgcp.scoring.v1.SubmitScoreRequest.items": 3}, string_chars=50)
    checker = Checker(limits)
    ok = SUBMIT(case="cases/1", items=[scoring_pb2.CriterionScore(criterion_id="a")] * 3)
    assert checker.violations(ok, ok.ByteSize()) == []
    many = SUBMIT(items=[scoring_pb2.CriterionScore(criterion_id="a")] * 4)
    assert [(v.field, v.reason) for v in checker.violations(many, many.ByteSize())] == [
        ("items", "TOO_MANY_ITEMS")
    ]
    nested = SUBMIT(items=[scoring_pb2.CriterionScore(criterion_id="a", comment="c" * 51)])
    assert [(v.field, v.reason) for v in checker.violations(nested, nested.ByteSize())] == [
        ("items[0].comment", "TEXT_TOO_LONG")
    ]
    key = limits.names["request_id"]
    rid = SUBMIT(request_id="r" * (key + 1))
    assert [v.field for v in Checker(Limits()).violations(rid, rid.ByteSize())] == ["request_id"]
    answers = surveys_pb2.SubmitSurveyResponseRequest()
    for i in range(Limits().map_entries + 1):
        answers.answers[str(i)]
    assert [v.reason for v in Checker(Limits()).violations(answers, answers.ByteSize())] == ["TOO_MANY_ITEMS"]


def test_a_small_request_skips_the_walk() -> None:
    checker = Checker(Limits(string_chars=10))
    long_case = SUBMIT(case="x" * 11)
    assert checker.violations(long_case, 10) == []  # 10 bytes cannot hold 11 characters
    assert checker.violations(long_case, long_case.ByteSize()) != []


def test_error_details_stay_small_whatever_the_input() -> None:
    huge = "界" * 100_000
    violations = [FieldViolation(f"criteria[{i}].{huge}", huge, "TEXT_TOO_LONG") for i in range(1000)]
    status = build_status(grpc.StatusCode.INVALID_ARGUMENT, huge, "INVALID_FIELD", violations, {"k": huge})
    encoded = base64.b64encode(status.SerializeToString())
    assert len(encoded) < 4096
    assert len(status.message.encode()) <= 300
    from google.rpc import error_details_pb2

    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    status.details[0].Unpack(info)
    status.details[1].Unpack(bad)
    assert 1 <= len(bad.field_violations) <= MAX_VIOLATIONS
    assert int(info.metadata["violations_omitted"]) == 1000 - len(bad.field_violations)
    assert "more)" in status.message


def test_input_caused_database_errors_are_not_unavailable() -> None:
    orig = sqlite3.OperationalError("LIKE or GLOB pattern too complex")
    mapped = _classify(sqlalchemy.exc.OperationalError("SELECT", {}, orig))
    assert isinstance(mapped, InvalidArgument) and mapped.reason == "REQUEST_TOO_COMPLEX"
    down = sqlalchemy.exc.OperationalError("SELECT", {}, sqlite3.OperationalError("unable to open database"))
    assert _classify(down).code == grpc.StatusCode.UNAVAILABLE  # type: ignore[union-attr]


def test_every_string_of_a_request_is_nfc_and_free_of_invisible_tricks() -> None:
    from runtime.text import clean_message

    msg = scoring_pb2.SubmitScoreRequest(
        case="cases/1",
        items=[scoring_pb2.CriterionScore(criterion_id="a", comment="Cafe\u0301 re\u200bport\nline two")],
    )
    assert clean_message(msg) == []
    assert msg.items[0].comment == "Café report\nline two"  # NFC, zero-width stripped, line kept
    bidi = scoring_pb2.SubmitScoreRequest(
        case="cases/\u202e1", items=[scoring_pb2.CriterionScore(comment="\x00")]
    )
    found = clean_message(bidi)
    assert [(v.field, v.reason) for v in found] == [
        ("case", "INVALID_CHARACTERS"),
        ("items[0].comment", "INVALID_CHARACTERS"),
    ]
    zero_width_name = surveys_pb2.CaseFacts(enterprise_display_name="东莞\u200b示例")
    assert [v.field for v in clean_message(zero_width_name)] == ["enterprise_display_name"]
    spaced = surveys_pb2.CaseFacts(enterprise_display_name="东莞\u3000示例")  # ideographic space is fine
    assert clean_message(spaced) == []
    answers = surveys_pb2.SubmitSurveyResponseRequest()
    answers.answers["comment"].text = "好\u200d"
    answers.answers["k\u202e"].scale = 1
    assert [v.field for v in clean_message(answers)] == ["answers[k\u202e]"]
    assert answers.answers["comment"].text == "好"


class _Downstream(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """A failed call to another service, as a client stub raises it."""

    def __init__(self, status: object) -> None:
        self._status = status

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.INVALID_ARGUMENT

    def details(self) -> str:
        return self._status.message  # type: ignore[attr-defined,no-any-return]

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return (("grpc-status-details-bin", self._status.SerializeToString()),)  # type: ignore[attr-defined]

    def initial_metadata(self) -> tuple[()]:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: object) -> bool:
        return False


def test_a_downstream_refusal_reaches_the_caller_with_its_code_and_reason() -> None:
    sent = build_status(
        grpc.StatusCode.INVALID_ARGUMENT,
        "case: not a case name",
        "INVALID_NAME",
        [FieldViolation("case", "not a case name", "INVALID_NAME")],
    )
    mapped = _classify(_Downstream(sent))
    assert mapped is not None and mapped.code == grpc.StatusCode.INVALID_ARGUMENT
    assert mapped.reason == "INVALID_NAME" and [v.field for v in mapped.violations] == ["case"]
