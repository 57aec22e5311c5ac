"""Links sent to people point at this deployment's gateway, and a re-run keeps the only copy."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.surveys.v1 import surveys_pb2 as vpb
from runtime import config
from scripts import month
from services.surveys.policy import SurveyPolicy


def test_links_follow_the_gateway_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DGCP_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("DGCP_GATEWAY_PORT", raising=False)
    assert config.public_base_url() == "http://127.0.0.1:8080"
    monkeypatch.setenv("DGCP_GATEWAY_PORT", "18780")
    assert config.public_base_url() == "http://127.0.0.1:18780"
    assert SurveyPolicy.from_env().link("t") == "http://127.0.0.1:18780/s/t"
    monkeypatch.setenv("DGCP_PUBLIC_BASE_URL", "https://survey.example.gov.cn/")
    assert SurveyPolicy.from_env().link("t") == "https://survey.example.gov.cn/s/t"


class _Surveys:
    def __init__(self, urls: list[str]) -> None:
        self.urls = urls

    def IssueInvitations(self, request: Any, metadata: Any) -> vpb.IssueInvitationsResponse:
        links = [vpb.InvitationLink(invitation=f"invitations/{i}", url=u) for i, u in enumerate(self.urls)]
        return vpb.IssueInvitationsResponse(links=links, links_csv=b"\xef\xbb\xbfinvitation,link\r\n")

    def OpenSurvey(self, request: Any, metadata: Any) -> vpb.SurveyForm:
        return vpb.SurveyForm()


def _send(tmp_path: Path, urls: list[str]) -> None:
    clients = SimpleNamespace(
        surveys=_Surveys(urls),
        authority=[],
        md=lambda *a, **k: [],
        pmap=lambda fn, items: [fn(i) for i in items],
    )
    city = SimpleNamespace(enterprises=[], agencies=[], consultancies=[])
    m = month.Month(city=city, seed=1, period="2026-11", out=tmp_path)  # type: ignore[arg-type]
    m.lots = [apb.Lot(name="lots/1", lot_number=1, review_agency="reviewAgencies/1")]
    month.send_surveys(clients, m)  # type: ignore[arg-type]


def test_a_rerun_keeps_the_links_file_of_the_first_run(tmp_path: Path) -> None:
    csv = tmp_path / "surveys" / "links-lot-1.csv"
    _send(tmp_path, ["http://127.0.0.1:8080/s/abc"])
    assert csv.read_bytes().startswith(b"\xef\xbb\xbfinvitation")
    csv.write_bytes(b"first run's links")
    _send(tmp_path, [])  # every invitation exists already: nothing issued, nothing to write
    assert csv.read_bytes() == b"first run's links"
