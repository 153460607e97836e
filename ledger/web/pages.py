"""The person's overview and the privacy officer's pages (issue: pages)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

bp = Blueprint("pages", __name__)


def register(app: Flask, api: Any) -> None:
    app.register_blueprint(bp)
