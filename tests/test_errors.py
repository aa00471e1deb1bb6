"""Errors with a kind: each UserError subclass answers with its own status on the one Korean
error page, framework errors (404, 405, 422, 500) get the same page, and hints meant for
the terminal stay in the terminal."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from tests.web_factory import add_user, csrf_of, login, make_client
from tracker.database import Database
from tracker.errors import Conflict, Invalid, NotFound, Unavailable, UserError

ERROR_TITLE = '<h1>{}</h1>'


def secretariat(db: Database) -> TestClient:
    add_user(db, "sec", "secretariat")  # the secretariat: edits
    client = make_client(db)
    login(client, "sec")
    return client


def test_each_kind_has_its_status_and_a_bare_user_error_is_invalid() -> None:
    assert [k.status for k in (UserError, Invalid, NotFound, Conflict, Unavailable)] == [
        400, 400, 404, 409, 503]
    assert all(issubclass(k, UserError) for k in (Invalid, NotFound, Conflict, Unavailable))


def test_the_terminal_hint_follows_the_message_only_for_the_terminal() -> None:
    error = NotFound("의견 9번이 없습니다.", hint_cli="`tracker items`로 번호를 확인하세요.")
    assert str(error) == "의견 9번이 없습니다."
    assert error.for_terminal() == "의견 9번이 없습니다. `tracker items`로 번호를 확인하세요."
    assert Invalid("날짜가 틀렸습니다.").for_terminal() == "날짜가 틀렸습니다."


def test_a_missing_item_and_a_missing_page_get_the_same_korean_404(imported: Database) -> None:
    client = secretariat(imported)
    missing_item = client.get("/console/items/999")
    missing_page = client.get("/no/such/page")
    for page in (missing_item, missing_page):
        assert page.status_code == 404
        assert ERROR_TITLE.format(NotFound.title) in page.text
        assert 'lang="ko"' in page.text
    assert "tracker items" not in missing_item.text  # the CLI's hint stays in the CLI


def test_a_conflict_is_409_and_invalid_input_400_beside_the_item(imported: Database) -> None:
    client = secretariat(imported)
    csrf = csrf_of(client.get("/console/items/2").text)
    conflict = client.post("/console/items/2/return", data={"csrf": csrf, "comment": "보완"})
    assert conflict.status_code == 409 and "회신된 상태가 아니어서" in conflict.text
    invalid = client.post("/console/items/2/due", data={"csrf": csrf, "due": "다음 주"})
    assert invalid.status_code == 400 and "2022-03-31처럼" in invalid.text


def test_wrong_method_and_malformed_ids_get_the_korean_page(imported: Database) -> None:
    client = secretariat(imported)
    wrong_method = client.delete("/console/items/2")
    assert wrong_method.status_code == 405 and "허용되지 않는 요청입니다" in wrong_method.text
    malformed = client.get("/console/items/abc")
    assert malformed.status_code == 404 and ERROR_TITLE.format(NotFound.title) in malformed.text
    assert "detail" not in malformed.text  # not Starlette's JSON


def test_unexpected_errors_get_a_korean_500_and_a_busy_database_503(db: Database) -> None:
    client = make_client(db)
    app = client.app

    def boom() -> None:
        raise RuntimeError("a bug")

    def busy() -> None:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    app.add_api_route("/test/boom", boom)  # type: ignore[attr-defined]
    app.add_api_route("/test/busy", busy)  # type: ignore[attr-defined]
    quiet = TestClient(app, raise_server_exceptions=False)
    crashed = quiet.get("/test/boom")
    assert crashed.status_code == 500 and "서버에서 오류가 났습니다" in crashed.text
    assert "a bug" not in crashed.text and "Traceback" not in crashed.text
    unavailable = client.get("/test/busy")
    assert unavailable.status_code == 503 and ERROR_TITLE.format(Unavailable.title) in unavailable.text
    assert unavailable.headers["Retry-After"] == "5"


@pytest.mark.parametrize("args", [("item", "show", "999")])
def test_the_cli_keeps_its_hint(run, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.strip() == "오류: 의견 999번이 없습니다. `tracker items`로 번호를 확인하세요."
