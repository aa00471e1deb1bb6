"""`/healthz`: the tracker's health as JSON for a load balancer or a monitor.

No login (probes have none), nothing secret (no URL, no address, no error text beyond an
exception's class name). 200 when the status is ok or warn, 503 when it is fail; the
security middleware adds `Cache-Control: no-store`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from tracker.status import Status, system_status, unreachable
from tracker.web.context import web

router = APIRouter()


@router.api_route("/healthz", methods=["GET", "HEAD"])
def healthz(request: Request) -> Response:
    """The system status as JSON; 503 when it fails."""
    status = current_status(request)
    code = 503 if status.overall == "fail" else 200
    return JSONResponse(status.as_json(), status_code=code,
                        headers={"Cache-Control": "no-store"})


def current_status(request: Request) -> Status:
    """system_status through the app's database, read-only; a connection failure is a "fail"."""
    context = web(request)
    try:
        with context.database.reading() as session:
            return system_status(session, context.now())
    except SQLAlchemyError as exc:
        kind = context.database.engine.dialect.name
        return unreachable(kind, context.now(), type(exc).__name__)
