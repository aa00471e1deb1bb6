"""Fuzzing the web app: schemathesis over every route of the app's (generated) OpenAPI
schema, and hypothesis posting hostile form data to the reply form and the console forms,
logged in and with valid CSRF tokens. Whatever comes in, the answer is 2xx, 3xx or 4xx:
never a server error."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.web_factory import add_user, csrf_of, give_emails, issue, item_ids, login, make_client
from tracker.database import Database

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Text with line breaks, NUL and other controls, bidi marks, U+2028, Korean and emoji.
HOSTILE = st.text(alphabet=st.characters(codec="utf-8", categories=None), max_size=200)
ODD_DATES = st.sampled_from(["2022-02-30", "0000-01-01", "9999-12-31", "2022-13-01", "-1",
                             "2022-03-01T25:00", "２０２２-０３-０１", "2022/03/01", "+002022-03-01",
                             "1e309", "NaN", "", " ", "2022-03-01\x00", "99999-01-01"])
VALUES = st.one_of(
    HOSTILE, ODD_DATES,
    st.integers().map(str), st.floats().map(str), st.booleans().map(str),
    st.sampled_from(["반영", "일부반영", "추진중", "반영곤란", "draft", "submit", "1", "0"]),
    st.text(min_size=1, max_size=3).map(lambda s: s * 40_000),  # huge: up to 120,000 chars
    st.lists(st.text(max_size=20), min_size=2, max_size=3),  # the same field sent twice
)
REPLY_FIELDS = ("text", "kind", "reason", "planned_on", "action")
CONSOLE_FIELDS = ("due", "contact", "needs_reply", "comment", "department", "next")


def form(fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of `fields`, each with a hostile value, plus perhaps a stray field."""
    chosen = st.dictionaries(st.sampled_from(fields), VALUES, max_size=len(fields))
    stray = st.dictionaries(st.text(min_size=1, max_size=10), VALUES, max_size=2)
    return st.tuples(chosen, stray).map(lambda pair: pair[1] | pair[0])


def assert_no_server_error(status: int) -> None:
    """The one property of this module."""
    assert 200 <= status < 500, status


@pytest.fixture
def app_db(imported: Database) -> Database:
    """The sample, with e-mail addresses and a secretariat user."""
    give_emails(imported)
    add_user(imported, "sec", "secretariat")
    return imported


def test_every_route_of_the_schema_answers_without_server_error(app_db: Database) -> None:
    console, _ = _console_session(app_db)
    app = console.app
    # The app serves no schema (openapi_url=None); FastAPI still generates it from the routes.
    schema = schemathesis.openapi.from_dict(app.openapi())  # type: ignore[attr-defined]
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # the reply, console, chair and log-in routes
    logged_in = dict(console.cookies)

    for operation in operations:
        @settings(max_examples=15, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            for cookies in (None, logged_in):
                response = case.call(headers={"Host": "tracker.example.org"}, cookies=cookies)
                assert_no_server_error(response.status_code)

        call()


@FUZZ
@given(data=form(REPLY_FIELDS), which=st.integers(0, 3), raw_id=st.one_of(
    st.none(), st.text(max_size=12), st.integers(-2**63, 2**63).map(str)))
def test_reply_form_survives_hostile_input(app_db: Database, data: dict[str, Any], which: int,
                                           raw_id: str | None) -> None:
    client, token, csrf, ids = _reply_session(app_db)
    item = ids[which % len(ids)] if raw_id is None else quote(raw_id, safe="")
    answer = client.post(f"/r/{token}/items/{item}", data={"csrf": csrf, **data})
    assert_no_server_error(answer.status_code)
    assert_no_server_error(client.get(f"/r/{token}").status_code)


@FUZZ
@given(data=form(CONSOLE_FIELDS), path=st.sampled_from([
    "/console/items/{id}/due", "/console/items/{id}/contact", "/console/items/{id}/needs-reply",
    "/console/items/{id}/accept", "/console/items/{id}/return", "/console/items/{id}/resend",
    "/console/items/{id}/revoke", "/console/requests", "/console/login"]),
    item=st.one_of(st.integers(-5, 20).map(str), st.text(max_size=8)))
def test_console_forms_survive_hostile_input(app_db: Database, data: dict[str, Any], path: str,
                                             item: str) -> None:
    client, csrf = _console_session(app_db)
    answer = client.post(path.replace("{id}", quote(item, safe="")), data={"csrf": csrf, **data})
    assert_no_server_error(answer.status_code)
    filters = _within_url_limit({k: v for k, v in data.items() if isinstance(v, str)})
    page = client.get("/console", params=filters)
    assert_no_server_error(page.status_code)


def _within_url_limit(fields: dict[str, str], budget: int = 30_000) -> dict[str, str]:
    """`fields` cut so that their percent-encoded query stays under the HTTP client's URL
    limit (64 KiB): a 4-byte character takes 12 bytes once encoded."""
    kept: dict[str, str] = {}
    for key, value in fields.items():
        value = value[: max(0, budget // 12)]
        budget -= 12 * len(value) + 12 * len(key)
        kept[key] = value
    return kept


@FUZZ
@given(body=st.binary(max_size=2000), kind=st.sampled_from([
    "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x",
    "application/json", "text/plain; charset=euc-kr", ""]))
def test_raw_bodies_of_any_type_get_no_server_error(app_db: Database, body: bytes,
                                                    kind: str) -> None:
    client, token, _, ids = _reply_session(app_db)
    console, _ = _console_session(app_db)
    for target, path in ((client, f"/r/{token}/items/{ids[0]}"),
                         (console, f"/console/items/{ids[0]}/due")):
        answer = target.post(path, content=body, headers={"content-type": kind} if kind else {})
        assert_no_server_error(answer.status_code)


_SESSIONS: dict[tuple[int, str], Any] = {}


def _reply_session(db: Database) -> tuple[TestClient, str, str, list[int]]:
    """A reply client, token, CSRF token and item ids, made once per database (examples share
    it: a fresh log-in per example would cost more than the example)."""
    key = (id(db), "reply")
    if key not in _SESSIONS:
        client = make_client(db, address="198.51.100.99")
        token = issue(db, "김윤지")
        _SESSIONS[key] = (client, token, csrf_of(client.get(f"/r/{token}").text),
                          item_ids(db, "김윤지"))
    found: tuple[TestClient, str, str, list[int]] = _SESSIONS[key]
    return found


def _console_session(db: Database) -> tuple[TestClient, str]:
    """A logged-in secretariat client and its CSRF token, once per database."""
    key = (id(db), "console")
    if key not in _SESSIONS:
        client = make_client(db, address="203.0.113.99")
        login(client, "sec")
        _SESSIONS[key] = (client, csrf_of(client.get("/console").text))
    found: tuple[TestClient, str] = _SESSIONS[key]
    return found


def test_a_non_ascii_csrf_token_on_the_reply_form_is_a_403(app_db: Database) -> None:
    client, token, _, ids = _reply_session(app_db)
    answer = client.post(f"/r/{token}/items/{ids[0]}", data={"csrf": "토큰", "text": "x"})
    assert answer.status_code == 403


def test_a_non_ascii_csrf_token_on_the_login_form_is_refused_without_server_error(
    app_db: Database,
) -> None:
    client = make_client(app_db, address="203.0.113.98")
    client.get("/console/login")
    answer = client.post("/console/login", data={"username": "sec", "password": "x",
                                                 "csrf": "\u0080"})
    assert_no_server_error(answer.status_code)


def test_a_non_ascii_csrf_token_on_a_console_form_is_a_403(app_db: Database) -> None:
    client, _ = _console_session(app_db)
    answer = client.post("/console/items/2/due", data={"csrf": "가", "due": "2022-05-01"})
    assert answer.status_code == 403


def test_an_item_number_beyond_the_database_integer_is_a_404(app_db: Database) -> None:
    client, csrf = _console_session(app_db)
    assert client.get(f"/console/items/{2**63}").status_code == 404
    assert client.post(f"/console/items/{2**31}/due",
                       data={"csrf": csrf, "due": "2022-05-01"}).status_code == 404


@pytest.mark.parametrize("value", [str(2**63), "²", "٣", "-1", "0"])
def test_odd_meeting_numbers_in_query_strings_are_ignored_not_errors(
    app_db: Database, value: str
) -> None:
    client, _ = _console_session(app_db)
    for path in ("/chair", "/console", "/chair/export.csv"):
        answer = client.get(path, params={"meeting": value})
        assert_no_server_error(answer.status_code)


@pytest.mark.parametrize("path, names", [
    ("/console", ("meeting", "department", "status", "overdue", "done", "page")),
    ("/console/outbox", ("failed", "page")),
    ("/console/contacts", ("done", "count", "added", "changed", "page")),
    ("/console/mailbox", ("state", "done", "page")),
    ("/console/meetings", ("page",)),
    ("/chair", ("meeting",)),
])
@pytest.mark.parametrize("value", ["\x00", "관광과\x00", "\x1b[31m", "%", "'", "9" * 400])
def test_every_console_filter_takes_any_value(app_db: Database, path: str,
                                              names: tuple[str, ...], value: str) -> None:
    # A NUL in a filter reached PostgreSQL (which refuses it in text) as a 500.
    client, _ = _console_session(app_db)
    for name in names:
        assert_no_server_error(client.get(path, params={name: value}).status_code)
