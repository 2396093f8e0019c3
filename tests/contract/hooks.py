"""Schemathesis hooks for Jasmine's API contract (`tests/contract/run.sh`).

Moderator requests (`/v1/mod/…`) are signed as jasmine-keys signs them
(`docs/PROTOCOL.md` §6.4, scheme `Jasmine-Ed25519-v2`), with the API key of the demo
moderator, so that the contract reaches past authentication: the stateful links
(a pending report → fetch it → acknowledge it) run as a moderator would. A JSON body is
hashed as `requests` serialises it; the alerts, retractions and replies Schemathesis
makes up are then refused by their own signature or envelope (422, 400), as documented.
"""

import base64
import hashlib
import json
import os
import secrets
import time
from urllib.parse import urlencode

import schemathesis
from requests.utils import requote_uri
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

with open(os.environ["JASMINE_API_KEY_FILE"], encoding="utf-8") as key_file:
    _KEY_FILE = json.load(key_file)
_KEY = Ed25519PrivateKey.from_private_bytes(base64.b64decode(_KEY_FILE["api_key"]))
_MODERATOR = _KEY_FILE["id"]
_AUDIENCE = "127.0.0.1"
_DOMAIN = b"jasmine/api/v2"


def _canonical(value):
    # JCS (RFC 8785) for what the claims hold: strings and integers.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _authorization(method, target, body):
    claims = {
        "audience": _AUDIENCE,
        "moderator": _MODERATOR,
        "method": method,
        "path": target,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "date": int(time.time()),
        "nonce": secrets.token_hex(16),
    }
    signature = _KEY.sign(_DOMAIN + b"\x00" + _canonical(claims))
    return (
        f'Jasmine-Ed25519-v2 moderator="{_MODERATOR}", audience="{_AUDIENCE}", '
        f'date="{claims["date"]}", nonce="{claims["nonce"]}", '
        f'body_sha256="{claims["body_sha256"]}", '
        f'signature="{base64.b64encode(signature).decode()}"'
    )


@schemathesis.auth()
class ModeratorSignature:
    """Signs every `/v1/mod/…` request for this server, as the demo moderator."""

    def get(self, case, ctx):
        return _MODERATOR

    def set(self, case, data, ctx):
        if not case.path.startswith("/v1/mod/"):
            return
        # The request target as `requests` will send it (percent-encoded), which is
        # what the server rebuilds the claims from.
        target = requote_uri(case.formatted_path)
        if case.query:
            target += "?" + urlencode(case.query, doseq=True)
        case.headers = dict(case.headers or {})
        case.headers["Authorization"] = _authorization(case.method.upper(), target, _body_bytes(case.body))


def _body_bytes(body):
    """The body as it goes on the wire: bytes as they are, text in UTF-8, anything else
    as `requests` sends a `json=` body. A body that cannot be serialised that way is
    signed as empty: the server then refuses it as not the body that was signed (401)."""
    if body is None or type(body).__name__ == "NotSet":
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    try:
        return json.dumps(body, allow_nan=False).encode()
    except (TypeError, ValueError):
        return b""
