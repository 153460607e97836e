"""Signing in on the officer's pages, as a browser does: the form's CSRF token, then the key."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: FlaskClient, key: str) -> None:
    form = client.get("/officer/login").get_data(as_text=True)
    response = client.post(
        "/officer/login", data={"api_key": key, "csrf_token": csrf(form), "next": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
