"""HTTP routes of the server (no page): hand the session cookie to the browser, and clear it.

The cookie is set by an HTTP response, so it can be HttpOnly (no script of the page
can read it) and SameSite=Strict (no other site's request carries it).
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo import sessions, store


def _set(request: Request, response: Response, value: str, max_age: int) -> None:
    response.set_cookie(sessions.COOKIE, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


async def session_cookie(request: Request) -> Response:
    """POST the one-time nonce of :func:`geo.sessions.handoff` (as the body) → Set-Cookie."""
    body = (await request.body())[:200].decode("ascii", "replace").strip()
    cookie = sessions.redeem(body)
    if cookie is None:
        return Response(status_code=403, headers={"Cache-Control": "no-store"})
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _set(request, response, cookie, sessions.max_age_hours() * 3600)
    return response


async def end_session(request: Request) -> Response:
    """POST: the session of the request's cookie ends on the server, and the cookie is cleared."""
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        try:
            sessions.end(store.open_db(store.db_path()), cookie)
        except store.StoreError:
            pass
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _set(request, response, "", 0)
    return response


ROUTES = [Route("/antt/session", session_cookie, methods=["POST"]),
          Route("/antt/logout", end_session, methods=["POST"])]
