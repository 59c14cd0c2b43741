"""A local HTTP server that speaks the OpenAI chat-completions wire protocol, for tests.

Each request takes the next scripted behaviour: a reply (streamed as server-sent events when the request
asks for `stream`), an HTTP error status (429, 500, ...), or a hang longer than the client's timeout.
Requests are recorded so that tests can assert on what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    hang_s: float = 0.0  # sleep before answering (longer than the client's timeout = a timeout)


@dataclass
class OpenAIServer:
    script: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    word_delay_s: float = 0.0  # pause between streamed words, to watch an answer arrive

    def next_reply(self, body: dict[str, Any]) -> Reply:
        """The scripted behaviour for this request; subclasses may compute it from the request."""
        return self.script.pop(0) if self.script else Reply("(no reply scripted)")

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> OpenAIServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                owner.requests.append({"path": self.path, "body": body,
                                       "authorization": self.headers.get("Authorization")})
                reply = owner.next_reply(body)
                if reply.hang_s:
                    time.sleep(reply.hang_s)
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": f"scripted {reply.status}",
                                                        "type": "test", "code": str(reply.status)}})
                    return
                if body.get("stream"):
                    self._stream(body, reply.text)
                else:
                    self._json(200, _completion(body, reply.text))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = text.split(" ")
                for i, word in enumerate(words):
                    piece = word if i == 0 else " " + word
                    self._event(_chunk(body, {"content": piece}))
                    time.sleep(owner.word_delay_s)
                self._event(_chunk(body, {}, finish="stop"))
                if (body.get("stream_options") or {}).get("include_usage"):
                    usage_chunk = _chunk(body, {}, finish=None)
                    usage_chunk["choices"] = []
                    usage_chunk["usage"] = _usage(body, text)
                    self._event(usage_chunk)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    return {"prompt_tokens": prompt, "completion_tokens": len(text.split()),
            "total_tokens": prompt + len(text.split())}


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body.get("model", "test"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": _usage(body, text)}
