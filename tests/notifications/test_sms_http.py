"""The HTTP text-message sender against a local fake of a Twilio-compatible API."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ketaclinic.notifications import senders, tasks
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.notifications.services import message_queue

SID, TOKEN = "AC0123456789", "s3cret-token"


class FakeProvider:
    """Records each request; answers with `status` and `body`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 201
        self.body: dict = {"sid": "SM42", "status": "queued"}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                provider.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "form": urllib.parse.parse_qs(self.rfile.read(length).decode()),
                    }
                )
                answer = json.dumps(provider.body).encode()
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    with FakeProvider() as fake:
        settings.KETACLINIC_SMS_BACKEND = "http"
        settings.KETACLINIC_SMS_URL = fake.url
        settings.KETACLINIC_SMS_ACCOUNT_SID = SID
        settings.KETACLINIC_SMS_AUTH_TOKEN = TOKEN
        settings.KETACLINIC_SMS_FROM = "+17205550100"
        yield fake


def text(body: str = "Home clinic: reminder of your visit. Cancel: https://x/c/"):
    return message_queue(
        channel="sms",
        to="+13035550142",
        purpose="reminder",
        body_text=body,
        dedupe_key="sms:1",
    )


def test_a_text_is_posted_as_a_form_with_basic_auth(db, provider):
    message = text()
    assert tasks.message_send.call(message.pk) == "sent"
    [request] = provider.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["form"] == {
        "To": ["+13035550142"],
        "From": ["+17205550100"],
        "Body": ["Home clinic: reminder of your visit. Cancel: https://x/c/"],
    }
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    scheme, _, credentials = request["headers"]["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == f"{SID}:{TOKEN}"
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "SM42")


def test_a_busy_provider_means_try_again_later(db, provider):
    provider.status, provider.body = 503, {"message": "Service unavailable"}
    message = text()
    assert tasks.message_send.call(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.QUEUED
    assert message.last_error == "SMS provider answered 503: Service unavailable"


def test_a_refused_number_fails_at_once_with_the_providers_reason(db, provider):
    provider.status = 400
    provider.body = {"code": 21211, "message": "The 'To' number is not valid."}
    message = text()
    assert tasks.message_send.call(message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED
    assert "not valid" in message.last_error


def test_an_unreachable_provider_means_try_again_later(db, settings):
    with FakeProvider() as fake:
        url = fake.url
    sender = senders.HttpSmsSender(
        base_url=url, account_sid=SID, auth_token=TOKEN, sender="+17205550100"
    )
    with pytest.raises(senders.SendError) as caught:
        sender.send(to="+13035550142", body="hi")
    assert not isinstance(caught.value, senders.PermanentSendError)
    assert "unreachable" in str(caught.value)


def test_only_http_urls_are_accepted():
    with pytest.raises(ValueError):
        senders.HttpSmsSender(
            base_url="file:///etc/passwd", account_sid="a", auth_token="b", sender="c"
        )
