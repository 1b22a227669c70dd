"""``exactbench leaderboard serve``: the board as a web service (FastAPI on uvicorn).

Uploads (``POST /api/uploads``, a bearer token, multipart ``record`` = ``result.json`` and
``predictions`` = ``predictions.npz``) are checked on the request path only as far as is cheap
(token, rate limit, body size, record seal, names, timings, archive safety, duplicates) and
then queued; a worker process (:mod:`leaderboard.queue`) re-scores them against the board's
split files, whose references never leave the server. ``GET /api/uploads/{id}`` follows one.
Every rejection is an HTTP status with a ``detail`` that says what to fix. Pages: ``/`` (tasks),
``/task/{task}`` (table, filters, scatter; the state in the query string), its ``.csv`` and
``.json``, and ``/entry/{id}`` with the predictions to download.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from leaderboard import queue
from leaderboard.record import PREDICTIONS_FILE, RECORD_FILE, predictions_digest
from leaderboard.render import Links, entry_page, index_page, task_page, task_view
from leaderboard.store import Board, BoardError, json_safe
from leaderboard.submit import SubmissionError, admissible
from leaderboard.tokens import author_of
from tasks.spec import get_task, task_names

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """Limits of the service: request body (bytes), uploads per token per window (s)."""

    max_body: int = 64 << 20
    rate_limit: int = 60
    rate_window: float = 3600.0


class BodyLimit:
    """ASGI middleware: a POST must declare its length, at most ``max_body`` bytes (413/411)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = dict(scope["headers"])
            length = headers.get(b"content-length", b"")
            if not length.isdigit():
                return await _reply(scope, send, 411, "send a Content-Length header")
            if int(length) > self.max_body:
                return await _reply(
                    scope,
                    send,
                    413,
                    f"the request is {int(length)} bytes, over the board's limit of "
                    f"{self.max_body}; submit smaller predictions (fewer or lighter arrays)",
                )
        await self.app(scope, receive, send)


async def _reply(scope: Scope, send: Send, status: int, detail: str) -> None:
    await JSONResponse({"detail": detail}, status_code=status)(scope, _no_body, send)


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


def create_app(board: Board, settings: Settings | None = None) -> FastAPI:
    """The service over ``board``."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        released = await run_in_threadpool(queue.release_orphans, board)
        if released:
            log.warning("%d uploads of dead workers on this host queued again", len(released))
        yield

    app = FastAPI(
        title="exactbench leaderboard", docs_url="/api/docs", redoc_url=None, lifespan=lifespan
    )
    app.add_middleware(BodyLimit, max_body=settings.max_body)

    @app.exception_handler(BoardError)
    async def board_down(_: Request, error: BoardError) -> JSONResponse:
        log.error("%s", error)
        return JSONResponse({"detail": "the board's database is unavailable; retry later"}, 503)

    def links() -> Links:
        return Links(sorted(set(board.tasks()) & set(task_names())))

    @app.post("/api/uploads", status_code=202)
    async def upload(request: Request) -> dict[str, str]:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        who = await run_in_threadpool(author_of, board, token)
        if who is None:
            raise HTTPException(
                401,
                "missing, unknown or revoked token: ask the board for one "
                "(`exactbench leaderboard token create --author NAME`)",
            )
        token_id, author = who
        recent = await run_in_threadpool(
            queue.recent_uploads, board, token_id, settings.rate_window
        )
        if recent >= settings.rate_limit:
            raise HTTPException(
                429,
                f"{settings.rate_limit} uploads per {settings.rate_window:g} s per token "
                "reached; wait and retry",
                headers={"Retry-After": str(int(settings.rate_window))},
            )
        try:
            form = await request.form(max_files=2, max_fields=0, max_part_size=settings.max_body)
        except Exception as error:  # the multipart parser's errors are the client's
            raise HTTPException(400, f"unreadable multipart body ({error})") from None
        files = {}
        for name in ("record", "predictions"):
            part = form.get(name)
            if part is None or isinstance(part, str):
                raise HTTPException(
                    400,
                    f"the upload needs a file part {name!r} "
                    "(result.json and predictions.npz of a run)",
                )
            files[name] = await part.read()
        digest = await run_in_threadpool(_check, files["record"], files["predictions"])
        if board.known_predictions(digest) or queue.waiting(board, digest):
            raise HTTPException(
                409,
                "these predictions are on the board or in its queue "
                "already (also under another record or seed)",
            )
        upload_id = await run_in_threadpool(
            queue.enqueue, board, token_id, author, files["record"], files["predictions"], digest
        )
        return {"id": upload_id, "status": "pending", "author": author}

    @app.get("/api/uploads/{upload_id}")
    def upload_status(upload_id: str) -> dict[str, Any]:
        found = queue.status(board, upload_id[:64])
        if found is None:
            raise HTTPException(404, f"no upload {upload_id[:64]!r}")
        return found

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "queue": queue.counts(board)}

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return index_page(board.tasks(), links())

    def view(name: str, request: Request):
        try:
            spec = get_task(name)
        except KeyError as error:
            raise HTTPException(404, str(error.args[0])) from None
        query = request.query_params
        return task_view(
            spec,
            board.entries(name, full=False),
            experiment=query.get("experiment"),
            sort=query.get("sort"),
            reverse=query.get("reverse") == "1",
            kind=query.get("kind") or None,
            author=query.get("author") or None,
            pooled=query.get("pooled") != "0",
            page=int(query.get("page", "")) if query.get("page", "").isdigit() else 1,
        )

    @app.get("/task/{name}.csv", response_class=PlainTextResponse)
    def task_csv(name: str, request: Request) -> Response:
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Response(view(name, request).csv(), media_type="text/csv", headers=headers)

    @app.get("/task/{name}.json")
    def task_json(name: str, request: Request) -> Response:
        return Response(view(name, request).json(), media_type="application/json")

    @app.get("/task/{name}", response_class=HTMLResponse)
    def task(name: str, request: Request) -> str:
        return task_page(view(name, request), links())

    def entry_or_404(entry_id: int) -> dict[str, Any]:
        entry = board.entry(entry_id)
        if entry is None:
            raise HTTPException(404, f"no entry {entry_id}")
        return entry

    @app.get("/entry/{entry_id}.json")
    def entry_json(entry_id: int) -> Response:
        return JSONResponse(json_safe(entry_or_404(entry_id)))

    @app.get("/entry/{entry_id}", response_class=HTMLResponse)
    def entry(entry_id: int) -> str:
        return entry_page(entry_or_404(entry_id), links())

    @app.get("/entry/{entry_id}/predictions.npz")
    def predictions(entry_id: int) -> Response:
        data = board.predictions(entry_id)
        if data is None:
            raise HTTPException(404, f"entry {entry_id} has no predictions stored")
        headers = {"Content-Disposition": f'attachment; filename="entry-{entry_id}.npz"'}
        return Response(data, media_type="application/octet-stream", headers=headers)

    return app


def _check(record: bytes, predictions: bytes) -> str:
    """The predictions' content hash of an upload that passes :func:`admissible` (else 422)."""
    with tempfile.TemporaryDirectory(prefix="exactbench-check-") as tmp:
        (Path(tmp) / RECORD_FILE).write_bytes(record)
        (Path(tmp) / PREDICTIONS_FILE).write_bytes(predictions)
        try:
            return predictions_digest(admissible(Path(tmp))[4])
        except SubmissionError as error:
            raise HTTPException(422, str(error).replace(tmp, "upload")) from None
