#!/usr/bin/env python3
"""floe's REST API under attack: authentication, hostile requests, CORS, secrets.

Starts `floe server` on a free loopback port with a fresh home and a
configuration (--config) holding basic auth and a bearer token (hashed by
`floe server hash-password`), an openUrls prefix, one CORS origin, a 1 MiB
body limit and a 2 s request timeout, then proves, with nothing but HTTP
(http.client and raw sockets), that:

1. every operation of GET /api/v1/openapi.json, its {params} filled with
   plausible values, answers 401 (with WWW-Authenticate: Basic realm=...)
   without credentials, with a wrong password, a wrong user or a wrong
   bearer token, unless it is an open route (health, readiness, the openUrls
   prefix); with the right basic auth and with the right bearer token it
   answers anything but 401, and neither the router's own "no route for"
   404 nor a 405: the document describes what the server serves. An unknown
   path is a 401 without credentials, the same 401 as a route's (routes
   cannot be enumerated anonymously), a 404 with them; other methods (HEAD,
   PATCH, TRACE...) and malformed Authorization headers are 401s; a webhook
   under the openUrls prefix fires without credentials (its tenant form,
   outside the prefix, does not);
2. the document is OpenAPI 3.x: every operation has a summary and a unique
   operationId, every {param} of a path is a declared, required path
   parameter (and nothing else is), basic and bearer security schemes are
   declared, and the key families (flows, executions, logs, namespaces' KV
   and files, triggers; unscoped and under /api/v1/{tenant}) are there;
3. while 20 executions (each sleeping 3 s) run, hostile requests get a 4xx
   with a JSON {message, status} and the server goes on serving: a body over
   maxBodyBytes (413: Content-Length, chunked, Expect: 100-continue),
   malformed JSON, malformed multipart, a YAML syntax error (422 naming
   line:column), flows whose namespace or id would leave the flows folder
   (422), path traversal in namespace files, execution files, KV keys and
   the URL path itself (%2e%2e and raw `..` segments, also behind the open
   webhook prefix), a header over 16 KiB (431), a bad %-escape in the
   request line (400), invalid Content-Lengths (400), a Transfer-Encoding
   the server cannot decode (400 and close: no request smuggled in its
   body), garbage instead of a request, 20 connections idling mid-header,
   and a body that stops midway (closed after the request timeout, other
   clients served meanwhile); then all 20 executions end SUCCESS and none
   was created by the refused requests;
4. CORS: a preflight from the allowed origin is a 204 with
   Access-Control-Allow-Origin (so are its answers, 401s included); another
   origin gets no Access-Control-Allow-Origin; a preflight answers the same
   for a route and no route; a server without a cors configuration (basic
   auth only) sends no CORS header at all, refuses bearer tokens, and its
   OPTIONS answers do not tell routes apart without credentials;
5. a SECRET input never comes back: its value is in no answer of the
   execution (wait=true, GET, search, SSE follow), its logs (JSON, download,
   search, SSE follow), its outputs, labels set from it, a task's error
   message, nor an error handler's logs; the API shows "******"; nor is it
   in clear in any file of the home, whose secret.key is mode 0600;
6. `floe server` refuses to listen on a non-loopback address without
   credentials (--host, FLOE_SERVER_HOST, the config's host), exiting at
   once with a message naming the problem; a config with a password that
   is not a hash is refused too.

usage: api_security.py FLOE_BINARY
"""
import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

FAILURES = []
PORT = None
WORK = None
FLOE = None
SHARED = {}

USER = "admin@example.com"
PASSWORD = "correct horse battery staple!"
TOKEN = "floe-sec-token-4f1c2b"
ORIGIN = "http://ui.example"
OPEN_URL = "/api/v1/executions/webhook/"
MAX_BODY = 1048576


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


BASIC = {"Authorization": basic(USER, PASSWORD)}
BEARER = {"Authorization": "Bearer " + TOKEN}
NONE = {}


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def section(title):
    print(f"== {title}", flush=True)


class Answer:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body            # bytes
        self.headers = headers      # {lower-case name: value}

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def __repr__(self):
        return f"{self.status} {self.text[:400]}"


def send(method, path, body=None, headers=None, auth=BASIC, port=None, read_body=True, timeout=30):
    """One request over http.client: `path` goes on the wire as given (no
    normalisation, so `..` segments stay); `body` bytes, str or JSON-able.
    With read_body=False a text/event-stream answer's body is left unread."""
    hdrs = dict(auth or {})
    hdrs.update(headers or {})
    data = body
    if body is not None and not isinstance(body, (bytes, str)):
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    if isinstance(data, str):
        data = data.encode()
    conn = http.client.HTTPConnection("127.0.0.1", port or PORT, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        # A stream (server-sent events) is not read: its status and headers say enough.
        stream = (r.getheader("Content-Type") or "").startswith("text/event-stream")
        got = r.read() if read_body or not stream else b""
        return Answer(r.status, got, {k.lower(): v for k, v in r.getheaders()})
    finally:
        conn.close()


def call(method, path, body=None, content_type=None, auth=BASIC, headers=None, timeout=30):
    """send(), checking that an API error is JSON {"message", "status"}."""
    hdrs = dict(headers or {})
    if content_type:
        hdrs["Content-Type"] = content_type
    a = send(method, path, body, hdrs, auth=auth, timeout=timeout)
    if a.status >= 400 and path.startswith("/api/"):
        doc = a.json if isinstance(a.json, dict) else {}
        check(doc.get("message") and (doc.get("status") == a.status or "invalids" in doc),
              f"{method} {path}: the {a.status} answer is JSON {{message, status}}: {a!r}")
    return a


def raw(data, timeout=10, port=None):
    """Sends raw bytes on a fresh connection; returns (status or None, whole
    answer bytes) read until the server closes or `timeout`."""
    s = socket.create_connection(("127.0.0.1", port or PORT), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may answer and close before reading everything
        return read_answer(s, timeout)
    finally:
        s.close()


def read_answer(s, timeout):
    """Reads one answer: until its Content-Length is complete or the peer closes."""
    s.settimeout(timeout)
    got = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not chunk:
            break
        got += chunk
        head, sep, rest = got.partition(b"\r\n\r\n")
        if sep:
            m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if m and len(rest) >= int(m.group(1)):
                break
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    return (int(m.group(1)) if m else None), got


def raw_all(data, timeout=3):
    """Sends raw bytes; returns every answer's status line and headers until the server closes."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    got = b""
    try:
        s.sendall(data)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    return [b"HTTP/1." + part for part in re.split(rb"(?:^|(?<=[\]}\n]))HTTP/1\.", got) if part]


def answer_json(got):
    try:
        return json.loads(got.partition(b"\r\n\r\n")[2] or b"null")
    except ValueError:
        return None


def q(value):
    return urllib.parse.quote(value, safe="")


def multipart(fields):
    """A multipart/form-data body from [(name, filename or None, bytes)]."""
    boundary = "----floesectest" + os.urandom(8).hex()
    out = bytearray()
    for name, filename, data in fields:
        out += f"--{boundary}\r\n".encode()
        disp = f'form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += f"Content-Disposition: {disp}\r\n".encode()
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), "multipart/form-data; boundary=" + boundary


def deploy(yaml_text):
    a = call("POST", "/api/v1/flows", yaml_text, "application/x-yaml")
    check(a.status == 200, f"POST /api/v1/flows creates the flow: {a!r}")
    return a


ENDED = {"SUCCESS", "FAILED", "KILLED", "WARNING", "CANCELLED", "SKIPPED"}


def state_of(execution_id):
    a = call("GET", f"/api/v1/executions/{execution_id}")
    doc = a.json or {}
    return doc.get("state", {}).get("current"), doc


def wait_ended(execution_id, timeout=30):
    deadline = time.time() + timeout
    while True:
        current, doc = state_of(execution_id)
        if current in ENDED or time.time() > deadline:
            return current, doc
        time.sleep(0.05)


def alive(after):
    """The server still serves a normal request on a fresh connection."""
    try:
        a = send("GET", "/api/v1/flows/search?size=1", timeout=10)
        return check(a.status == 200, f"the server still serves after {after}: GET /api/v1/flows/search -> {a!r}")
    except OSError as e:
        return check(False, f"the server still serves after {after}: GET /api/v1/flows/search -> {e!r}")


# --------------------------------------------------------------------------- 1

DUMMY = {"namespace": "sec.ns", "flowId": "f", "id": "f", "key": "k",
         "cls": "io.kestra.plugin.core.log.Log", "tenant": "main"}
HEALTH_OPEN = {"/health", "/health/liveness", "/health/readiness", "/api/v1/health", "/api/v1/main/health"}


def fill(pattern, execution_id):
    def one(m):
        name = m.group(1)
        if name.endswith("..."):
            return "a/b"
        if name == "executionId":
            return execution_id
        return DUMMY.get(name, "x")
    return re.sub(r"\{([^}]+)\}", one, pattern)


def is_open(path):
    return path in HEALTH_OPEN or path.startswith(OPEN_URL)


def is_401(a):
    return (a.status == 401 and (a.header("WWW-Authenticate") or "").startswith("Basic realm=")
            and isinstance(a.json, dict) and a.json.get("message"))


def test_every_route():
    section("1. every operation of the OpenAPI document needs credentials, and is served with them")
    a = call("GET", "/api/v1/openapi.json")
    doc = a.json if isinstance(a.json, dict) else {}
    check(a.status == 200 and doc.get("paths"), f"GET /api/v1/openapi.json with basic auth: {a.status}")
    SHARED["openapi"] = doc
    a = send("GET", "/api/v1/openapi.json", auth=NONE)
    check(is_401(a), f"GET /api/v1/openapi.json without credentials is a 401 with WWW-Authenticate: {a.status} {a.headers}")

    # A real execution for the {executionId} routes.
    deploy("id: f\nnamespace: sec.ns\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n"
           "    message: hello\n")
    r = call("POST", "/api/v1/executions/sec.ns/f?wait=true")
    eid = (r.json or {}).get("id") or "0000000000NOTANEXECUTION00"
    check(r.status == 200 and (r.json or {}).get("state", {}).get("current") == "SUCCESS",
          f"a real execution of sec.ns/f for the sweep: {r!r}")

    ops = [(m.upper(), p) for p, item in (doc.get("paths") or {}).items() for m in item
           if m in ("get", "put", "post", "delete", "patch", "head", "options")]
    # Deletions last, so that the rest meet the flow and the execution.
    ops.sort(key=lambda op: op[0] == "DELETE")
    check(len(ops) >= 150, f"the document has every route ({len(ops)} operations)")
    wrong = [("no credentials", NONE),
             ("a wrong password", {"Authorization": basic(USER, PASSWORD + "x")}),
             ("a wrong user", {"Authorization": basic("root", PASSWORD)}),
             ("a wrong bearer token", {"Authorization": "Bearer " + TOKEN + "x"})]
    right = [("basic auth", BASIC), ("the bearer token", BEARER)]
    served = 0
    for method, pattern in ops:
        path = fill(pattern, eid)
        stream = path.endswith("/follow")
        problems = []
        for what, auth in wrong:
            try:
                a = send(method, path, auth=auth, read_body=not stream, timeout=15)
            except OSError as e:
                problems.append(f"with {what}: {e!r}")
                continue
            if is_open(path):
                if a.status == 401:
                    problems.append(f"with {what}: 401 on an open route")
            elif not is_401(a):
                problems.append(f"with {what}: expected 401 with WWW-Authenticate and a JSON message, "
                                f"got {a.status} {a.headers.get('www-authenticate')!r} {a.text[:200]!r}")
        for what, auth in right:
            try:
                a = send(method, path, auth=auth, read_body=not stream, timeout=15)
            except OSError as e:
                problems.append(f"with {what}: {e!r}")
                continue
            if a.status == 401:
                problems.append(f"with {what}: 401 {a.text[:200]!r}")
            elif a.status == 405 or (a.status == 404 and "no route for" in a.text):
                problems.append(f"with {what}: the router does not serve it: {a!r}")
            elif a.status >= 500 and a.status != 503:
                problems.append(f"with {what}: a server error: {a!r}")
            else:
                served += 1
        check(not problems, f"{method} {path} ({pattern}): " + "; ".join(problems))
    print(f"   {len(ops)} operations, {served} answers with credentials checked", flush=True)

    for method, path in [("GET", "/api/v1/no/such/route"), ("POST", "/nothing-here"), ("GET", "/uix"),
                         ("DELETE", "/api/v1/main/secret-admin"), ("GET", "/healthz"), ("GET", "/health/"),
                         ("GET", "/api/v1/other/health"), ("GET", "/api/v1/flows/search/extra")]:
        a = send(method, path, auth=NONE)
        check(is_401(a), f"{method} {path} (no such route) without credentials: expected 401, got {a!r}")
        a = send(method, path)
        check(a.status in (404, 405), f"{method} {path} (no such route) with credentials: expected 404, got {a!r}")

    # The web UI's shell is open (it holds no data; its API calls need credentials), and only it.
    for path in ["/", "/ui", "/ui/", "/ui/flows/sec.ns"]:
        a = send("GET", path, auth=NONE)
        check(a.status in (200, 308), f"GET {path} (the web UI) without credentials: expected 200 or 308, got {a!r}")
    for path in ["/ui/../api/v1/flows/search", "/ui/%2e%2e/api/v1/flows/search"]:
        a = send("GET", path, auth=NONE)
        check(a.status != 200 or not (a.body or b"").lstrip().startswith((b"{", b"[")),
              f"GET {path} without credentials must not reach the API: got {a!r}")

    # The openUrls prefix really is open: a webhook fires without credentials.
    deploy("id: hooked\nnamespace: sec.ns\ntriggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n"
           "    key: sec-hook-key\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hooked\n")
    a = send("POST", OPEN_URL + "sec.ns/hooked/sec-hook-key", {"a": 1}, auth=NONE)
    check(a.status == 200 and (a.json or {}).get("flowId") == "hooked",
          f"POST {OPEN_URL}sec.ns/hooked/sec-hook-key without credentials fires the webhook: {a!r}")
    a = send("POST", OPEN_URL + "sec.ns/hooked/wrong-key", {"a": 1}, auth=NONE)
    check(a.status == 404, f"a wrong webhook key is a 404: {a!r}")
    a = send("POST", "/api/v1/main/executions/webhook/sec.ns/hooked/sec-hook-key", {"a": 1}, auth=NONE)
    check(is_401(a), f"the tenant form of the webhook is not under the openUrls prefix: 401, got {a!r}")

    known = send("GET", "/api/v1/flows/search", auth=NONE)
    unknown = send("GET", "/api/v1/no/such/route", auth=NONE)
    check(known.body == unknown.body and known.header("WWW-Authenticate") == unknown.header("WWW-Authenticate"),
          f"the 401 of a route and of no route are the same: {known!r} / {unknown!r}")
    for method in ["HEAD", "PATCH", "TRACE", "CONNECT", "PROPFIND"]:
        target = "127.0.0.1:1" if method == "CONNECT" else "/api/v1/flows/search"
        a = send(method, target, auth=NONE)
        check(a.status == 401, f"{method} {target} without credentials: expected 401, got {a!r}")
    for what, value in [("a Basic header without credentials", "Basic"),
                        ("a Basic header without a colon", "Basic " + base64.b64encode(USER.encode()).decode()),
                        ("a Basic header that is not base64", "Basic !!!not-base64!!!"),
                        ("the password as a bearer token", "Bearer " + PASSWORD),
                        ("the token as a basic password", basic(USER, TOKEN)),
                        ("an unknown scheme", "Digest username=\"admin\""),
                        ("an empty Authorization", ""),
                        ("the user and password without a scheme", f"{USER}:{PASSWORD}")]:
        a = send("GET", "/api/v1/flows/search", auth={"Authorization": value})
        check(is_401(a), f"GET /api/v1/flows/search with {what} ({value[:40]!r}): expected 401, got {a!r}")
    a = send("GET", "/api/v1/flows/search", auth={"Authorization": "basic " + BASIC["Authorization"][6:]})
    check(a.status == 200, f"the auth scheme is case-insensitive ('basic ...'): {a!r}")
    a = send("GET", "/api/v1/flows/search", auth={"Authorization": "Bearer  " + TOKEN})
    check(a.status == 200, f"extra spaces before the token are allowed: {a!r}")


# --------------------------------------------------------------------------- 2

def test_document():
    section("2. the OpenAPI document")
    doc = SHARED.get("openapi") or {}
    check(str(doc.get("openapi", "")).startswith("3."), f"openapi is 3.x: {doc.get('openapi')!r}")
    check(isinstance(doc.get("info"), dict) and doc["info"].get("title") and doc["info"].get("version"),
          f"info has a title and version: {doc.get('info')}")
    schemes = ((doc.get("components") or {}).get("securitySchemes") or {}).values()
    check({(s.get("type"), s.get("scheme")) for s in schemes} >= {("http", "basic"), ("http", "bearer")},
          f"basic and bearer security schemes are declared: {doc.get('components')}")
    seen = {}
    paths = doc.get("paths") or {}
    for path, item in paths.items():
        names = re.findall(r"\{([^}]+)\}", path)
        check(path.startswith("/"), f"a path starts with '/': {path}")
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            check(method == method.lower() and method in ("get", "put", "post", "delete", "patch", "head", "options"),
                  f"{where}: the operation is keyed by a lower-case HTTP method")
            check(isinstance(op.get("summary"), str) and op["summary"].strip(), f"{where} has a summary")
            oid = op.get("operationId")
            check(isinstance(oid, str) and oid, f"{where} has an operationId")
            if oid in seen:
                check(False, f"operationId {oid} is used by {where} and {seen[oid]}")
            seen[oid] = where
            params = [p for p in op.get("parameters") or [] if p.get("in") == "path"]
            declared = [p.get("name") for p in params]
            check(sorted(declared) == sorted(n.rstrip(".") for n in names) or sorted(declared) == sorted(names),
                  f"{where}: path parameters {declared} are the path's {names}")
            check(all(p.get("required") is True for p in params), f"{where}: path parameters are required")
            check(op.get("responses"), f"{where} has responses")
    for family in ["/api/v1/flows", "/api/v1/flows/{namespace}/{id}", "/api/v1/flows/search",
                   "/api/v1/executions/{namespace}/{id}", "/api/v1/executions/{executionId}",
                   "/api/v1/executions/search", "/api/v1/executions/{executionId}/file",
                   "/api/v1/logs/{executionId}", "/api/v1/logs/search",
                   "/api/v1/namespaces/{namespace}/kv", "/api/v1/namespaces/{namespace}/kv/{key}",
                   "/api/v1/namespaces/{namespace}/files", "/api/v1/triggers/search", "/api/v1/triggers"]:
        check(family in paths, f"the document has {family}")
        tenant = family.replace("/api/v1/", "/api/v1/{tenant}/", 1)
        check(tenant in paths, f"the document has {tenant} (Kestra's tenant form)")
    for path in ["/api/v1/health", "/health/readiness", "/api/v1/openapi.json", OPEN_URL + "{namespace}/{flowId}/{key}"]:
        check(path in paths, f"the document has {path}")
    check(set(paths["/api/v1/namespaces/{namespace}/kv/{key}"]) >= {"get", "put", "delete"}
          if "/api/v1/namespaces/{namespace}/kv/{key}" in paths else False, "kv/{key} has get, put and delete")


# --------------------------------------------------------------------------- 3

SLEEPER = """id: sleeper
namespace: sec.load
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3S
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: rested
"""


def expect_4xx(a, what, statuses=None, contains=None):
    ok = (a.status in statuses) if statuses else (400 <= a.status < 500)
    doc = a.json if isinstance(a.json, dict) else {}
    ok = ok and bool(doc.get("message")) and (doc.get("status") == a.status or "invalids" in doc)
    ok = ok and (a.header("Content-Type") or "").startswith("application/json")
    if contains:
        ok = ok and re.search(contains, doc.get("message") or "") is not None
    want = "/".join(map(str, statuses)) if statuses else "4xx"
    return check(ok, f"{what}: expected {want} with a JSON {{message, status}}"
                 f"{' matching ' + contains if contains else ''}, got {a!r}")


def expect_raw(status, got, wanted, what):
    doc = answer_json(got)
    ok = status in wanted and isinstance(doc, dict) and doc.get("message") and doc.get("status") == status
    return check(ok, f"{what}: expected {'/'.join(map(str, wanted))} with a JSON message, "
                     f"got {status} {got[:300]!r}")


def auth_line():
    return f"Authorization: {BASIC['Authorization']}\r\n"


def stalled_body(result):
    """A body that stops midway: the server must give up (answer or close)."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=15)
    try:
        s.sendall(b"POST /api/v1/flows/validate HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                  b"Content-Type: application/x-yaml\r\nContent-Length: 1000\r\n\r\nid: half")
        t0 = time.time()
        status, got = read_answer(s, 12)
        result["elapsed"] = time.time() - t0
        result["status"], result["got"] = status, got
    finally:
        s.close()


def test_hostile_requests():
    section("3. hostile requests while 20 executions run")
    deploy(SLEEPER)
    ids = []
    for _ in range(20):
        a = call("POST", "/api/v1/executions/sec.load/sleeper")
        if check(a.status == 200 and (a.json or {}).get("id"), f"POST /api/v1/executions/sec.load/sleeper: {a!r}"):
            ids.append(a.json["id"])
    began = time.time()
    running = [state_of(i)[0] for i in ids[:5]]
    check(any(s not in ENDED for s in running), f"executions are running while the bad requests go: {running}")

    stalled = {}
    staller = threading.Thread(target=stalled_body, args=(stalled,))
    staller.start()
    # Idle connections that never finish their header do not hold others up.
    idle = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        s.sendall(b"GET /api/v1/flows/search HTTP/1.1\r\nHost: x\r\n")
        idle.append(s)

    # -- bodies over maxBodyBytes
    big = b"#" * (MAX_BODY + 1)
    status, got = raw(b"POST /api/v1/flows HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                      f"Content-Type: application/x-yaml\r\nContent-Length: {len(big)}\r\n\r\n".encode() + big)
    expect_raw(status, got, (413,), f"POST /api/v1/flows with a {len(big)}-byte body (Content-Length)")
    status, got = raw(b"POST /api/v1/flows HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                      b"Content-Type: application/x-yaml\r\nContent-Length: 52428800\r\nExpect: 100-continue\r\n\r\n")
    expect_raw(status, got, (413,), "POST /api/v1/flows announcing 50 MiB with Expect: 100-continue")
    chunks = b"".join(b"%x\r\n" % 65536 + b"#" * 65536 + b"\r\n" for _ in range(17)) + b"0\r\n\r\n"
    status, got = raw(b"POST /api/v1/flows HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                      b"Content-Type: application/x-yaml\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
    expect_raw(status, got, (413,), "POST /api/v1/flows with a chunked body of 17 x 64 KiB")
    a = send("POST", "/api/v1/flows/validate", b"#" * MAX_BODY, {"Content-Type": "application/x-yaml"})
    check(a.status != 413 and a.status < 500, f"a body of exactly maxBodyBytes is read: {a!r}")
    alive("bodies over maxBodyBytes")

    # -- malformed JSON to JSON endpoints
    eid = ids[0] if ids else "x"
    for method, path in [("POST", "/api/v1/flows/enable/by-ids"), ("POST", "/api/v1/flows/disable/by-ids"),
                         ("DELETE", "/api/v1/flows/delete/by-ids"), ("DELETE", "/api/v1/executions/kill/by-ids"),
                         ("POST", "/api/v1/executions/restart/by-ids"), ("DELETE", "/api/v1/executions/by-ids"),
                         ("POST", "/api/v1/executions/labels/by-ids"), ("POST", f"/api/v1/executions/{eid}/labels"),
                         ("PUT", "/api/v1/triggers"), ("POST", "/api/v1/triggers/set-disabled/by-triggers"),
                         ("POST", "/api/v1/stats/executions/daily"), ("POST", "/api/v1/main/flows/enable/by-ids"),
                         ("POST", "/api/v1/executions/sec.load/sleeper")]:
        for bad in ["{not json", "[1, 2", "\"unterminated", "{\"a\": }", "\xff\xfe"]:
            a = send(method, path, bad.encode("latin-1"), {"Content-Type": "application/json"})
            expect_4xx(a, f"{method} {path} with the malformed JSON {bad!r}")
    a = send("POST", "/api/v1/flows/enable/by-ids", "[" * 100000, {"Content-Type": "application/json"})
    expect_4xx(a, "POST /api/v1/flows/enable/by-ids with 100,000 nested '['")
    a = send("POST", "/api/v1/flows/validate/task", "{not json", {"Content-Type": "application/json"})
    check(400 <= a.status < 500 or (a.status == 200 and a.json), f"POST /flows/validate/task with '{{not json': {a!r}")
    alive("malformed JSON")

    # -- malformed multipart
    for what, body, ctype in [
            ("no closing boundary", b"--XYZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", "multipart/form-data; boundary=XYZ"),
            ("no boundary parameter", b"--XYZ\r\n\r\nx\r\n--XYZ--\r\n", "multipart/form-data"),
            ("a part without headers end", b"--XYZ\r\nContent-Disposition: form-data; name=\"a\"", "multipart/form-data; boundary=XYZ"),
            ("a body of garbage", b"\x00\x01garbage" * 100, "multipart/form-data; boundary=XYZ"),
            ("a part without a name", b"--XYZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XYZ--\r\n", "multipart/form-data; boundary=XYZ")]:
        a = send("POST", "/api/v1/executions/sec.load/sleeper", body, {"Content-Type": ctype})
        expect_4xx(a, f"POST /api/v1/executions/sec.load/sleeper with a multipart body with {what}")
        a = send("POST", "/api/v1/namespaces/sec.ns/files?path=/m.txt", body, {"Content-Type": ctype})
        expect_4xx(a, f"POST /api/v1/namespaces/sec.ns/files with a multipart body with {what}")
    alive("malformed multipart")

    # -- YAML with a syntax error
    for bad, where in [("id: bad\nnamespace: sec.ns\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n"
                        "    message: [unclosed\n", r"\d+:\d+"),
                       ("id: bad\nnamespace: sec.ns\ntasks:\n  - id: a\n\ttype: x\n", r"\d+:\d+"),
                       ("id: bad\nnamespace: sec.ns\n  tasks: wrong indent\n", r"\d+:\d+"),
                       ("id: \"unterminated\nnamespace: sec.ns\n", r"\d+:\d+"),
                       ("{{{{", r"\d+:\d+")]:
        a = send("POST", "/api/v1/flows", bad, {"Content-Type": "application/x-yaml"})
        expect_4xx(a, f"POST /api/v1/flows with the YAML syntax error {bad[-30:]!r}", (422,), where)
    a = send("GET", "/api/v1/flows/sec.ns/bad")
    check(a.status == 404, f"no flow 'bad' was created: {a!r}")
    alive("YAML syntax errors")

    # -- traversal in namespace files
    body, ctype = multipart([("fileContent", "ok.txt", b"legit content")])
    a = send("POST", "/api/v1/namespaces/sec.ns/files?path=/ok.txt", body, {"Content-Type": ctype})
    check(a.status in (200, 201, 204), f"a legit namespace file upload: {a!r}")
    for method, path, body, ctype in [
            ("GET", "/api/v1/namespaces/sec.ns/files?path=/../../etc/passwd", None, None),
            ("GET", f"/api/v1/namespaces/sec.ns/files?path={q('/../../../../../../etc/passwd')}", None, None),
            ("GET", f"/api/v1/namespaces/sec.ns/files?path={q('../../../../../../etc/passwd')}", None, None),
            ("GET", f"/api/v1/namespaces/sec.ns/files?path={q('/ok.txt/../../../../../../../etc/passwd')}", None, None),
            ("GET", f"/api/v1/namespaces/sec.ns/files?path={q('/%2e%2e/%2e%2e/etc/passwd')}", None, None),
            ("GET", "/api/v1/namespaces/sec.ns/files?path=/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", None, None),
            ("GET", "/api/v1/namespaces/sec.ns/files?path=" + q("/a/..\\..\\..\\etc/passwd"), None, None),
            ("GET", "/api/v1/namespaces/sec.ns/files?path=" + q("/ok.txt\x00.png"), None, None),
            ("GET", f"/api/v1/namespaces/sec.ns/files/stats?path={q('/../..')}", None, None),
            ("GET", f"/api/v1/namespaces/sec.ns/files/directory?path={q('/../..')}", None, None),
            ("GET", f"/api/v1/namespaces/sec.ns/files/directory?path={q('/../../../../../..')}", None, None),
            ("POST", f"/api/v1/namespaces/sec.ns/files?path={q('/../../../sec-escaped.txt')}",
             *multipart([("fileContent", "x.txt", b"escaped!")])),
            ("POST", f"/api/v1/namespaces/sec.ns/files/directory?path={q('/../../../sec-escaped-dir')}", None, None),
            ("PUT", f"/api/v1/namespaces/sec.ns/files?from={q('/ok.txt')}&to={q('/../../../sec-moved.txt')}", None, None),
            ("PUT", f"/api/v1/namespaces/sec.ns/files?from={q('/../../../../etc/hostname')}&to={q('/stolen.txt')}", None, None),
            ("DELETE", f"/api/v1/namespaces/sec.ns/files?path={q('/../..')}", None, None),
            ("DELETE", f"/api/v1/namespaces/sec.ns/files?path={q('/../../..')}", None, None),
            ("GET", f"/api/v1/namespaces/{q('../../x')}/files/directory?path=/", None, None),
            ("GET", f"/api/v1/namespaces/{q('..')}/files/directory?path=/", None, None),
            ("GET", f"/api/v1/namespaces/{q('/etc')}/files?path=passwd", None, None)]:
        a = send(method, path, body, {"Content-Type": ctype} if ctype else None)
        expect_4xx(a, f"{method} {path} (traversal)")
        check(b"root:" not in a.body, f"{method} {path} does not serve /etc/passwd: {a!r}")
    a = send("GET", "/api/v1/namespaces/sec.ns/files?path=/ok.txt")
    check(a.status == 200 and a.body == b"legit content", f"the legit namespace file is still there: {a!r}")
    for root in [WORK, os.path.dirname(WORK), os.path.join(WORK, "home")]:
        for name in ["sec-escaped.txt", "sec-escaped-dir", "sec-moved.txt"]:
            check(not os.path.exists(os.path.join(root, name)), f"no file escaped to {os.path.join(root, name)}")
    check(not any("stolen.txt" in fs for _, _, fs in os.walk(WORK)), "no file was moved in from outside")

    # -- flows whose namespace or id tries to leave the flows folder
    for ns, fid in [("../../sec-evil", "f"), ("sec.ns", "../../sec-evil"), ("sec.ns", "a/b"), ("/tmp", "f"),
                    ("sec..ns", "f"), ("sec.ns", "..")]:
        y = f'id: "{fid}"\nnamespace: "{ns}"\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: m\n'
        for method, path in [("POST", "/api/v1/flows"), ("PUT", f"/api/v1/flows/{q(ns)}/{q(fid)}"),
                             ("POST", f"/api/v1/flows/{q(ns)}?delete=false"), ("POST", "/api/v1/flows/validate")]:
            a = send(method, path, y, {"Content-Type": "application/x-yaml"})
            if path.endswith("/validate"):
                check(a.status == 200 and (a.json or [{}])[0].get("constraints"), f"{method} {path} of flow {ns}/{fid}: invalid: {a!r}")
            else:
                expect_4xx(a, f"{method} {path} of flow {ns!r}/{fid!r}", (400, 422))
    check(not any("sec-evil" in n for root in [WORK, os.path.dirname(WORK)] for n in os.listdir(root)),
          "no flow file escaped the flows folder")

    # -- KV keys and namespaces that try to leave
    for path in [f"/api/v1/namespaces/sec.ns/kv/{q('../../../../sec-evil-kv')}",
                 f"/api/v1/namespaces/{q('../../../../sec-evil-ns')}/kv/k",
                 "/api/v1/namespaces/sec.ns/kv/%2e%2e"]:
        a = send("PUT", path, b'"x"', {"Content-Type": "application/json"})
        check(a.status < 500 and a.status != 401, f"PUT {path}: no server error: {a!r}")
    for root in [WORK, os.path.dirname(WORK)]:
        check(not any(os.path.exists(os.path.join(root, n)) for n in ["sec-evil-kv", "sec-evil-ns"]),
              f"KV keys and namespaces stay in the home (nothing under {root})")
    alive("namespace file and KV traversal")

    # -- traversal in execution files
    for path in ["floe:///../..", "floe:///../../../../../../../etc/passwd", "floe:///%2e%2e/%2e%2e/etc/passwd",
                 f"floe:///sec.load/sleeper/executions/{eid}/../../../../../../../../etc/passwd",
                 "/etc/passwd", "file:///etc/passwd", "../../../../etc/passwd", "floe://../../etc/passwd",
                 "floe:///sec.load/sleeper/executions/" + eid + "/\x00"]:
        for suffix in ["file", "file/metas", "file/preview"]:
            a = send("GET", f"/api/v1/executions/{eid}/{suffix}?path={q(path)}")
            expect_4xx(a, f"GET /api/v1/executions/{{id}}/{suffix}?path={path!r} (traversal)")
            check(b"root:" not in a.body, f"GET .../{suffix}?path={path!r} does not serve /etc/passwd")
    a = send("GET", f"/api/v1/executions/{eid}/file?path=floe:///../..")
    expect_4xx(a, "GET /api/v1/executions/{id}/file?path=floe:///../.. (unencoded)")
    alive("execution file traversal")

    # -- traversal in the URL path itself (sent as is)
    for method, path, auth in [
            ("GET", "/api/v1/flows/%2e%2e/x", BASIC), ("GET", "/api/v1/flows/%2E%2E/%2E%2E", BASIC),
            ("GET", "/api/v1/flows/../../health", BASIC), ("GET", "/api/v1/flows/sec.ns/../sec.ns/f", BASIC),
            ("GET", "/api/v1/namespaces/sec.ns/files/../../../etc/passwd", BASIC),
            ("GET", "/api/v1/executions/./search", BASIC), ("GET", "/api/v1/flows/%2e/x", BASIC),
            ("GET", "/api/v1/flows/a%00b/x", BASIC),
            ("GET", OPEN_URL + "../../flows/search", NONE), ("GET", OPEN_URL + "%2e%2e/%2e%2e/flows/search", NONE),
            ("GET", OPEN_URL + "..%2f..%2fflows/search", NONE), ("POST", OPEN_URL + "../../flows", NONE),
            ("GET", "/health/../api/v1/flows/search", NONE), ("GET", "/api/v1/health/../flows/search", NONE)]:
        a = send(method, path, auth=auth)
        if auth is NONE:
            # Behind the open prefix the router answers (400 for a `..` segment, 404 for a
            # "../../flows" segment matching nothing); what matters is that no flow is served.
            ok = 400 <= a.status < 500 and b"sec.ns" not in a.body
            check(ok, f"{method} {path} without credentials: expected a 4xx and no flows, got {a!r}")
        else:
            expect_4xx(a, f"{method} {path} (a `.`/`..`/NUL segment in the URL)", (400,))
    alive("URL traversal")

    # -- headers and request lines
    status, got = raw(b"GET /api/v1/flows/search HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                      b"X-Big: " + b"a" * (17 * 1024) + b"\r\n\r\n")
    expect_raw(status, got, (431,), "a 17 KiB header")
    status, got = raw(b"GET /api/v1/flows/search HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                      b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 100) for i in range(200)) + b"\r\n")
    expect_raw(status, got, (431,), "200 headers of 100 bytes")
    status, got = raw(b"GET /api/v1/flows/search?q=" + b"c" * (17 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    check(status in (414, 431), f"a 17 KiB request line: expected 414 or 431, got {status} {got[:200]!r}")
    for target in [b"/api/v1/flows/%zz", b"/api/v1/flows/%", b"/api/v1/flows/%4", b"/api/v1/flows/sec.ns/%G0",
                   b"/api/v1/%zz/search"]:
        status, got = raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() + b"\r\n")
        expect_raw(status, got, (400,), f"GET {target.decode()} (a malformed %-escape)")
    for what, head in [("Content-Length: abc", b"Content-Length: abc\r\n"),
                       ("Content-Length: -1", b"Content-Length: -1\r\n"),
                       ("Content-Length: 1e3", b"Content-Length: 1e3\r\n"),
                       ("two different Content-Lengths", b"Content-Length: 5\r\nContent-Length: 6\r\n"),
                       ("Content-Length: 5, 6", b"Content-Length: 5, 6\r\n"),
                       ("Content-Length: 99999999999999999999999", b"Content-Length: 99999999999999999999999\r\n"),
                       ("Content-Length with chunked", b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
                       ("Transfer-Encoding: gzip", b"Transfer-Encoding: gzip\r\n"),
                       ("a bad chunk size", b"Transfer-Encoding: chunked\r\n")]:
        body = b"zz\r\nhello\r\n0\r\n\r\n" if what == "a bad chunk size" else b"hello"
        status, got = raw(b"POST /api/v1/flows/validate HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                          b"Content-Type: application/x-yaml\r\n" + head + b"\r\n" + body)
        wanted = (400, 413) if "9999" in what else (400, 501) if "gzip" in what else (400,)
        expect_raw(status, got, wanted, f"POST /api/v1/flows/validate with {what}")
    # A Transfer-Encoding the server cannot decode makes the body's length unknown:
    # RFC 9112 6.3 says 400 and close. Reading the body as the next request would let
    # it smuggle a request past a proxy that framed it differently.
    smuggled = b"GET /api/v1/flows/search HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() + b"\r\n"
    answers = raw_all(timeout=1, data=b"POST /api/v1/flows/validate HTTP/1.1\r\nHost: x\r\n" + auth_line().encode() +
                      b"Content-Type: application/x-yaml\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled)
    check(len(answers) == 1 and answers[0].startswith(b"HTTP/1.1 400"),
          f"POST /api/v1/flows/validate with Transfer-Encoding: gzip and a request as its body: expected one 400 "
          f"and close, got {len(answers)} answer(s): {[x[:60] for x in answers]}")
    for what, data in [("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64) + b"\r\n\r\n"),
                       ("a request line without a version", b"GET /api/v1/flows/search\r\n\r\n"),
                       ("HTTP/9.9", b"GET /api/v1/flows/search HTTP/9.9\r\nHost: x\r\n\r\n"),
                       ("a header without a colon", b"GET /api/v1/flows/search HTTP/1.1\r\nHost x\r\nBroken\r\n\r\n"),
                       ("an absolute URI elsewhere", b"GET http://evil.example/api/v1/flows/search HTTP/1.1\r\nHost: x\r\n"
                        + auth_line().encode() + b"\r\n")]:
        status, got = raw(data, timeout=5)
        check(status is None or 400 <= status < 500, f"{what}: expected a 4xx or a closed connection, got {status} {got[:200]!r}")
    alive("malformed requests")

    # -- the stalled body, while others are served
    t0 = time.time()
    a = send("GET", "/api/v1/health")
    check(a.status == 200 and time.time() - t0 < 2,
          f"a request is served at once while a body stalls and 20 headers idle: {a!r} in {time.time() - t0:.1f}s")
    bad_requests_took = time.time() - began
    staller.join(20)
    status, elapsed = stalled.get("status"), stalled.get("elapsed", 99)
    check(elapsed < 8 and (status is None or 400 <= status < 500),
          f"a body that stops midway (Content-Length 1000, 8 bytes sent): expected a 4xx or a close after "
          f"the 2 s requestTimeout, got {status} {stalled.get('got', b'')[:200]!r} after {elapsed:.1f}s")
    for s in idle:
        s.close()
    alive("a stalled body")
    print(f"   the bad requests took {bad_requests_took:.1f}s", flush=True)

    # -- the executions were not disturbed
    states = [wait_ended(i, 40)[0] for i in ids]
    check(len(ids) == 20 and all(s == "SUCCESS" for s in states),
          f"the 20 executions all end SUCCESS: {states}")
    a = call("GET", "/api/v1/executions/search?namespace=sec.load&flowId=sleeper&size=100")
    check((a.json or {}).get("total") == 20, f"the refused requests created no execution (20 in all): {a!r}")


# --------------------------------------------------------------------------- 4

def cors_headers(a):
    return {k: v for k, v in a.headers.items() if k.startswith("access-control-")}


def test_cors():
    section("4. CORS")
    pre = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "authorization, content-type"}
    a = send("OPTIONS", "/api/v1/flows/search", auth=NONE, headers=pre)
    check(a.status == 204 and a.header("Access-Control-Allow-Origin") == ORIGIN,
          f"a preflight from {ORIGIN} is a 204 with Access-Control-Allow-Origin: {a.status} {a.headers}")
    check("POST" in (a.header("Access-Control-Allow-Methods") or "") and
          "authorization" in (a.header("Access-Control-Allow-Headers") or "").lower(),
          f"the preflight allows POST and the Authorization header: {a.headers}")
    a = send("OPTIONS", "/api/v1/executions/" + "x/y", auth=NONE, headers=pre)
    check(a.status == 204 and a.header("Access-Control-Allow-Origin") == ORIGIN, f"a preflight of another path: {a.status} {a.headers}")
    a = send("GET", "/api/v1/flows/search", headers={"Origin": ORIGIN})
    check(a.status == 200 and a.header("Access-Control-Allow-Origin") == ORIGIN,
          f"an answer to {ORIGIN} has Access-Control-Allow-Origin: {a.status} {a.headers}")
    a = send("GET", "/api/v1/flows/search", auth=NONE, headers={"Origin": ORIGIN})
    check(a.status == 401 and a.header("Access-Control-Allow-Origin") == ORIGIN,
          f"a 401 to {ORIGIN} has Access-Control-Allow-Origin (the UI can read it): {a.status} {a.headers}")
    for origin in ["http://evil.example", "http://ui.example.evil.com", "https://ui.example", "null",
                   "http://ui.example:8080", "HTTP://UI.EXAMPLE"]:
        a = send("OPTIONS", "/api/v1/flows/search", auth=NONE, headers=dict(pre, Origin=origin))
        check(a.header("Access-Control-Allow-Origin") is None,
              f"a preflight from {origin} gets no Access-Control-Allow-Origin: {a.status} {a.headers}")
        a = send("GET", "/api/v1/flows/search", headers={"Origin": origin})
        check(a.status == 200 and a.header("Access-Control-Allow-Origin") is None
              and a.header("Access-Control-Allow-Credentials") is None,
              f"an answer to {origin} has no Access-Control-Allow-*: {a.status} {cors_headers(a)}")
    a = send("GET", "/api/v1/flows/search")
    check(not cors_headers(a), f"an answer without Origin has no CORS header: {cors_headers(a)}")
    a = send("OPTIONS", "/api/v1/flows/search", auth=NONE)
    check(a.status != 200 or not a.body or b"sec." not in a.body, f"an OPTIONS request serves no data: {a!r}")
    known = send("OPTIONS", "/api/v1/flows/search", auth=NONE, headers=pre)
    unknown = send("OPTIONS", "/api/v1/no/such/route", auth=NONE, headers=pre)
    check((known.status, known.body) == (unknown.status, unknown.body),
          f"a preflight does not tell routes apart: {known!r} / {unknown!r}")


def test_no_cors_server():
    section("4b. a server without cors configured sends no CORS header; OPTIONS enumerates nothing")
    work = os.path.join(WORK, "plain")
    os.makedirs(os.path.join(work, "flows"))
    config = os.path.join(work, "floe-server.yml")
    with open(config, "w") as f:
        f.write(f"server:\n  basicAuth:\n    username: {USER}\n    password: \"{SHARED['password_hash']}\"\n")
    server, port = start(["--home", os.path.join(work, "home"), "--flows", os.path.join(work, "flows"),
                          "--config", config], work)
    try:
        if not check(port, "the second server (basic auth, no cors) starts"):
            return
        a = send("GET", "/api/v1/flows/search", auth=BEARER, port=port)
        check(is_401(a), f"a bearer token on a server with no tokens is a 401: {a!r}")
        # Without CORS, an OPTIONS request is no preflight: it must not tell, without
        # credentials, which paths exist (405 with Allow) and which do not (404).
        known = send("OPTIONS", "/api/v1/flows/search", auth=NONE, port=port)
        unknown = send("OPTIONS", "/api/v1/no/such/route", auth=NONE, port=port)
        check(known.status == unknown.status and known.header("Allow") is None and known.status in (401, 204),
              f"OPTIONS without credentials (no cors configured) does not enumerate routes: expected the same 401 "
              f"for /api/v1/flows/search and /api/v1/no/such/route, got {known.status} Allow={known.header('Allow')!r} "
              f"{known.text[:120]!r} / {unknown.status} {unknown.text[:120]!r}")
        pre = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
        for method, hdrs in [("OPTIONS", pre), ("GET", {"Origin": ORIGIN}), ("GET", {"Origin": "http://evil.example"}),
                             ("POST", {"Origin": ORIGIN})]:
            for path in ["/api/v1/flows/search", "/api/v1/health", "/api/v1/nope"]:
                a = send(method, path, auth=NONE, headers=hdrs, port=port)
                check(not cors_headers(a) and a.status != 204,
                      f"{method} {path} from {hdrs['Origin']} (no cors config): no CORS header, got {a.status} {cors_headers(a)}")
        a = send("GET", "/api/v1/flows/search", port=port, headers={"Origin": ORIGIN})
        check(a.status == 200 and not cors_headers(a), f"an authenticated answer has no CORS header: {a.status} {cors_headers(a)}")
    finally:
        stop(server)


# --------------------------------------------------------------------------- 5

SECRET = "hunter2-xyz"


def test_secrets():
    section("5. a SECRET input never comes back")
    deploy("""id: secretive
namespace: sec.secret
inputs:
  - id: pw
    type: SECRET
  - id: who
    type: STRING
    defaults: someone
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.who }} has the password {{ inputs.pw }}"
  - id: give
    type: io.kestra.plugin.core.debug.Return
    format: "pw={{ inputs.pw }}"
  - id: tell
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "shell sees {{ inputs.pw }}"
""")
    answers = []
    body, ctype = multipart([("pw", None, SECRET.encode()), ("who", None, b"alice")])
    a = call("POST", "/api/v1/executions/sec.secret/secretive?wait=true", body, ctype)
    answers.append(("POST /executions/sec.secret/secretive?wait=true (multipart)", a))
    e1 = (a.json or {}).get("id")
    a = call("POST", "/api/v1/main/executions/sec.secret/secretive?wait=true", {"pw": SECRET, "who": "bob"})
    answers.append(("POST /main/executions/sec.secret/secretive?wait=true (JSON)", a))
    e2 = (a.json or {}).get("id")
    check(e1 and e2, "both executions with a secret were created")
    for eid in [e for e in (e1, e2) if e]:
        current, doc = wait_ended(eid)
        check(current == "SUCCESS", f"the execution with a secret ends SUCCESS: {current}")
        check((doc.get("inputs") or {}).get("pw") == "******", f"the secret input shows as ******: {doc.get('inputs')}")
        for path in [f"/api/v1/executions/{eid}", f"/api/v1/main/executions/{eid}",
                     "/api/v1/executions/search?namespace=sec.secret", "/api/v1/executions?namespace=sec.secret&flowId=secretive",
                     f"/api/v1/logs/{eid}", f"/api/v1/logs/{eid}/download", "/api/v1/logs/search?namespace=sec.secret",
                     f"/api/v1/logs/search?q={SECRET}", "/api/v1/logs/search?q=hunter2",
                     f"/api/v1/executions/{eid}/follow", f"/api/v1/logs/{eid}/follow",
                     f"/api/v1/flows/sec.secret/secretive/graph", "/metrics"]:
            answers.append((f"GET {path}", send("GET", path, timeout=15)))
        logs = send("GET", f"/api/v1/logs/{eid}")
        text = " ".join(l.get("message", "") for l in (logs.json if isinstance(logs.json, list) else []))
        check("has the password ******" in text and "shell sees ******" in text,
              f"the log lines show the secret masked: {text[:400]!r}")
        give = next((t for t in doc.get("taskRunList") or [] if t.get("taskId") == "give"), {})
        check((give.get("outputs") or {}).get("value") == "pw=******", f"the output shows the secret masked: {give.get('outputs')}")
    deploy("""id: leaky
namespace: sec.secret
inputs:
  - id: pw
    type: SECRET
tasks:
  - id: lab
    type: io.kestra.plugin.core.execution.Labels
    labels:
      tok: "{{ inputs.pw }}"
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "failing with {{ inputs.pw }}"
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: "error handler sees {{ inputs.pw }}"
""")
    a = call("POST", "/api/v1/executions/sec.secret/leaky?wait=true", {"pw": SECRET})
    answers.append(("POST /executions/sec.secret/leaky?wait=true (a failing flow)", a))
    doc = a.json or {}
    check(doc.get("state", {}).get("current") == "FAILED", f"the failing flow with a secret ends FAILED: {a!r}")
    labels = {l.get("key"): l.get("value") for l in doc.get("labels") or []}
    check(labels.get("tok") == "******", f"a label set from the secret shows ******: {doc.get('labels')}")
    boom = next((t for t in doc.get("taskRunList") or [] if t.get("taskId") == "boom"), {})
    check(boom.get("error") == "failing with ******", f"a task's error holding the secret shows ******: {boom.get('error')!r}")
    if doc.get("id"):
        for path in [f"/api/v1/executions/{doc['id']}", f"/api/v1/logs/{doc['id']}", f"/api/v1/logs/{doc['id']}/download",
                     "/api/v1/executions/search?namespace=sec.secret&state=FAILED", f"/api/v1/executions/{doc['id']}/follow"]:
            answers.append((f"GET {path}", send("GET", path, timeout=15)))
    a = send("POST", "/api/v1/executions/sec.secret/leaky?wait=true", {"pw": {"nested": SECRET}})
    answers.append(("POST /executions/sec.secret/leaky with the secret in an object", a))
    check(a.status == 422, f"a SECRET input given an object is a 422: {a!r}")
    for what, a in answers:
        check(SECRET.encode() not in a.body and b"hunter2" not in a.body,
              f"{what} does not contain the secret: {a.status} ...{a.text[max(0, a.text.find('hunter2') - 100):][:200]!r}")
    a = send("POST", "/api/v1/executions/sec.secret/secretive?wait=true", {"who": "x"})
    check(a.status == 422 and b"hunter2" not in a.body, f"a missing secret input is a 422: {a!r}")
    # Nor is it kept in clear at rest (the store, its WAL, storage), and the key that seals it is private.
    home = os.path.join(WORK, "home")
    for root, _, files in os.walk(home):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    check(SECRET.encode() not in f.read(), f"{os.path.join(root, name)} does not hold the secret in clear")
            except OSError:
                pass
    key = os.path.join(home, "secret.key")
    if os.path.exists(key):
        check(os.stat(key).st_mode & 0o077 == 0, f"the home's secret.key is private: {oct(os.stat(key).st_mode)}")


# --------------------------------------------------------------------------- 6

def test_refuses_open_bind():
    section("6. no credentials on a non-loopback address: refused")
    work = os.path.join(WORK, "bind")
    os.makedirs(os.path.join(work, "flows"))
    base = ["--home", os.path.join(work, "home"), "--flows", os.path.join(work, "flows"), "--port", "0"]
    cfg = os.path.join(work, "host.yml")
    with open(cfg, "w") as f:
        f.write("server:\n  host: 0.0.0.0\n")
    badhash = os.path.join(work, "badhash.yml")
    with open(badhash, "w") as f:
        f.write(f"server:\n  basicAuth:\n    username: {USER}\n    password: plaintext-password\n")
    for what, args, env, words in [
            ("--host 0.0.0.0", ["--host", "0.0.0.0"], {}, ["0.0.0.0", "authentication"]),
            ("--host ::", ["--host", "::"], {}, ["authentication"]),
            ("FLOE_SERVER_HOST=0.0.0.0", [], {"FLOE_SERVER_HOST": "0.0.0.0"}, ["0.0.0.0", "authentication"]),
            ("a config with host: 0.0.0.0", ["--config", cfg], {}, ["0.0.0.0", "authentication"]),
            ("a config whose password is not a hash", ["--config", badhash], {}, ["hash-password"])]:
        t0 = time.time()
        env = dict(clean_env(), **env)
        try:
            p = subprocess.run([FLOE, "server"] + base + args, capture_output=True, text=True, timeout=15, env=env)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = str(e.stdout or ""), str(e.stderr or ""), "still running after 15 s"
        took = time.time() - t0
        check(rc != 0 and rc != "still running after 15 s" and "listening" not in out,
              f"floe server with {what} and no credentials refuses to start: exit {rc}, stdout {out[-300:]!r}")
        check(all(w in err for w in words), f"...and says why (naming {words}): {err[-400:]!r}")
        check(took < 10, f"...at once ({took:.1f}s)")


# --------------------------------------------------------------------------- server

def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("FLOE_SERVER_")}


def hash_secret(secret):
    p = subprocess.run([FLOE, "server", "hash-password"], input=secret + "\n", capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and p.stdout.strip().startswith("pbkdf2-sha256$"),
          f"floe server hash-password prints a hash: {p.returncode} {p.stdout!r} {p.stderr!r}")
    return p.stdout.strip()


def start(args, work):
    """Starts `floe server` with `args` on port 0; returns (process, port or None)."""
    err = open(os.path.join(work, "server.err"), "w")
    server = subprocess.Popen([FLOE, "server", "--port", "0"] + args, stdout=subprocess.PIPE, stderr=err,
                              text=True, env=clean_env())
    port = None
    deadline = time.time() + 30
    while time.time() < deadline and port is None:
        line = server.stdout.readline()
        if not line:
            break
        m = re.search(r"floe server listening on http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
    out = open(os.path.join(work, "server.out"), "w")
    threading.Thread(target=lambda: shutil.copyfileobj(server.stdout, out), daemon=True).start()
    while port and time.time() < deadline:
        try:
            if send("GET", "/health/readiness", auth=NONE, port=port, timeout=5).status == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.05)
    return server, None


def stop(server):
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return True
    check(False, f"the server had exited with status {server.returncode}")
    return False


def main():
    global WORK, FLOE, PORT
    if len(sys.argv) != 2:
        sys.exit("usage: api_security.py FLOE_BINARY")
    FLOE = os.path.abspath(sys.argv[1])
    WORK = tempfile.mkdtemp(prefix="floe_api_sec_")
    server = None
    began = time.time()
    try:
        password_hash, token_hash = hash_secret(PASSWORD), hash_secret(TOKEN)
        SHARED["password_hash"] = password_hash
        check(password_hash != hash_secret(PASSWORD), "hashing the same secret twice gives two hashes (salted)")
        config = os.path.join(WORK, "floe-server.yml")
        with open(config, "w") as f:
            f.write(f"""server:
  maxRunning: 40
  basicAuth:
    username: {USER}
    password: "{password_hash}"
    openUrls: [{OPEN_URL}]
  tokens:
    - "{token_hash}"
  cors:
    allowedOrigins: [{ORIGIN}]
  maxBodyBytes: {MAX_BODY}
  requestTimeout: PT2S
""")
        os.makedirs(os.path.join(WORK, "flows"))
        server, PORT = start(["--home", os.path.join(WORK, "home"), "--flows", os.path.join(WORK, "flows"),
                              "--config", config], WORK)
        if PORT is None:
            with open(os.path.join(WORK, "server.err")) as f:
                check(False, "floe server did not start and get ready: " + f.read()[-2000:])
        else:
            for test in [test_every_route, test_document, test_hostile_requests, test_cors, test_secrets,
                         test_no_cors_server, test_refuses_open_bind]:
                t0 = time.time()
                try:
                    test()
                except Exception as e:  # a crash of one section is a failure, the others still run
                    import traceback
                    traceback.print_exc()
                    check(False, f"{test.__name__} raised {e!r}")
                print(f"   ({time.time() - t0:.1f}s)", flush=True)
                if server.poll() is not None:
                    check(False, f"the server exited (status {server.returncode}) during {test.__name__}")
                    break
    finally:
        if server:
            stop(server)
        if FAILURES:
            try:
                with open(os.path.join(WORK, "server.err")) as f:
                    tail = f.read()[-3000:]
                if tail:
                    print("server stderr (tail):\n" + tail)
            except OSError:
                pass
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"took {time.time() - began:.1f}s")
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed:")
        for f in FAILURES:
            print("  -", f)
        sys.exit(1)
    print("floe REST API security: every check passed")


if __name__ == "__main__":
    main()
