"""A bare Flask app with one endpoint: the yardstick the verification page is served beside.

gunicorn -c gunicorn.conf.py bench.certificates.hello:app
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "Hello"
