#!/usr/bin/env python3
"""floe's REST API, driven end to end by a client using nothing but HTTP.

Starts `floe server` on a free loopback port with a fresh home and flows
folder, then uses the API as Kestra's UI, CLI and SDKs do (urllib and
http.client only), and proves that:

1. deploy: a folder of flows posted as YAML documents split by `---` to
   POST /flows/{namespace} is listed by /flows/search; a PUT makes revision 2
   (/revisions lists both, oldest first); POST /flows/validate points at a
   misspelt task type by line:column; a tenant other than "main" is a 404;
2. a FILE input sent as multipart/form-data (?wait=true) reaches a shell task
   that reads it, and downloads back byte-identical from /executions/{id}/file;
3. /logs/{id}/follow streams an execution's lines as they are logged, in
   order, until `event: end`; a reconnect with Last-Event-ID gets only the
   later lines;
4. DELETE /executions/{id}/kill answers 202 and the execution ends KILLED;
   POST /executions/{id}/pause answers 204: the running task finishes, no
   other starts, and POST /resume carries on to SUCCESS;
5. a failed execution restarted (POST /restart) runs its failed task again
   and ends SUCCESS; /executions/{id}/follow ends with `id: end` holding it;
6. POST /replay?taskId= starts a new execution from that task: the tasks
   before it keep their run (same outputs, not run again);
7. 1,000 executions created concurrently all end, and /executions/search
   pages through them (size=100): 1,000 distinct ids, newest first, the
   right total; state=, labels=k:v and a parent namespace filter them;
8. a task's output file downloads, and /file/preview shows a CSV as a TABLE;
9. KV values and namespace files round trip (put/get/list/move/delete), and
   a path that leaves the namespace (`..`) is refused while the server goes
   on serving;
10. bulk kill/by-ids with an unknown id is a 400 listing it in "invalids" (and
    kills nothing); DELETE /executions/by-ids of ended ones answers {"count"};
11. an Iceberg table written by a flow is listed by /lake/tables, its
    metadata, files and a preview at its first snapshot (time travel) are
    served, and the SQL console answers a query and refuses statements that
    write; 11b. a DbtCLI run is listed by /lake/models, and its nodes come
    with lineage, raw and compiled SQL, typed and documented columns, results.

usage: api_integration.py FLOE_BINARY
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

FAILURES = []
BASE = None   # http://127.0.0.1:PORT
PORT = None
WORK = None
SHARED = {}   # what one section leaves for another


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
        self.headers = headers

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
        return f"{self.status} {self.text[:600]}"


def call(method, path, body=None, content_type=None, headers=None, timeout=60):
    """One request; `body` is bytes, str, or JSON-able (sent as JSON)."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
            content_type = content_type or "application/json"
    if content_type:
        hdrs["Content-Type"] = content_type
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Answer(r.status, r.read(), r.headers)
    except urllib.error.HTTPError as e:
        a = Answer(e.code, e.read(), e.headers)
        if path.startswith("/api/"):
            # Every API error is JSON {"message", "status"} (a bulk refusal: {"message", "invalids"}).
            doc = a.json if isinstance(a.json, dict) else {}
            check(doc.get("message") and (doc.get("status") == e.code or "invalids" in doc),
                  f"{method} {path}: the {e.code} answer is JSON {{message, status}}: {a!r}")
        return a


def q(value):
    return urllib.parse.quote(value, safe="")


def multipart(fields):
    """A multipart/form-data body from [(name, filename or None, bytes)]."""
    boundary = "----floeapitest" + os.urandom(8).hex()
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
    """Creates one flow through POST /flows; returns the answer."""
    a = call("POST", "/api/v1/flows", yaml_text, "application/x-yaml")
    check(a.status == 200, f"POST /api/v1/flows creates the flow: {a!r}")
    return a


def state_of(execution_id):
    a = call("GET", f"/api/v1/executions/{execution_id}")
    doc = a.json or {}
    return doc.get("state", {}).get("current"), doc


ENDED = {"SUCCESS", "FAILED", "KILLED", "WARNING", "CANCELLED", "SKIPPED"}


def wait_ended(execution_id, timeout=30):
    deadline = time.time() + timeout
    while True:
        current, doc = state_of(execution_id)
        if current in ENDED or time.time() > deadline:
            return current, doc
        time.sleep(0.05)


def run(ns, flow_id, wait=False, body=None, content_type=None, query=""):
    path = f"/api/v1/main/executions/{ns}/{flow_id}"
    params = [p for p in [("wait=true" if wait else ""), query] if p]
    if params:
        path += "?" + "&".join(params)
    return call("POST", path, body, content_type)


def task_run(doc, task_id):
    for tr in (doc or {}).get("taskRunList") or []:
        if tr.get("taskId") == task_id:
            return tr
    return None


class Sse:
    """A server-sent events stream read incrementally over http.client."""

    def __init__(self, path, headers=None, timeout=30):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
        self.conn.request("GET", path, headers=dict(headers or {}, Accept="text/event-stream"))
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.content_type = self.resp.getheader("Content-Type", "")

    def events(self):
        """Yields (id, event, data, arrival time) until the stream closes."""
        ev_id, ev_name, data = None, None, []
        while True:
            line = self.resp.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line == "":
                if ev_id is not None or ev_name is not None or data:
                    yield ev_id, ev_name, "\n".join(data), time.time()
                ev_id, ev_name, data = None, None, []
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "id":
                ev_id = value
            elif field == "event":
                ev_name = value
            elif field == "data":
                data.append(value)

    def close(self):
        self.conn.close()


# --------------------------------------------------------------------------- 1

def test_deploy():
    section("1. deploy a folder of flows, revisions, validation")
    ns = "it.deploy"
    docs = [
        f"id: alpha\nnamespace: {ns}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: alpha\n",
        f"id: beta\nnamespace: {ns}\nlabels:\n  team: data\ntasks:\n  - id: ret\n"
        f"    type: io.kestra.plugin.core.debug.Return\n    format: \"{{{{ 1 + 1 }}}}\"\n",
        f"id: gamma\nnamespace: {ns}.sub\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: gamma\n",
    ]
    # gamma's namespace is a child: a bulk update of `ns` must hold only its
    # own namespace's flows, so it goes alone.
    a = call("POST", f"/api/v1/main/flows/{ns}", "---\n".join(docs[:2]), "application/x-yaml")
    check(a.status == 200, f"POST /api/v1/main/flows/{ns} (2 documents): {a!r}")
    got = a.json if isinstance(a.json, list) else []
    check(sorted(f.get("id") for f in got) == ["alpha", "beta"], f"the bulk update answers both flows: {a!r}")
    a = call("POST", f"/api/v1/main/flows/{ns}.sub", docs[2], "application/x-yaml")
    check(a.status == 200, f"POST /api/v1/main/flows/{ns}.sub: {a!r}")

    a = call("GET", f"/api/v1/flows/search?namespace={ns}&size=100")
    doc = a.json or {}
    ids = sorted((f.get("namespace"), f.get("id")) for f in doc.get("results", []))
    check(a.status == 200 and ids == [(ns, "alpha"), (ns, "beta"), (ns + ".sub", "gamma")] and doc.get("total") == 3,
          f"GET /api/v1/flows/search?namespace={ns} lists the 3 flows (sub-namespace too): {a!r}")
    a = call("GET", f"/api/v1/main/flows/{ns}")
    check(a.status == 200 and sorted(f.get("id") for f in (a.json or [])) == ["alpha", "beta"],
          f"GET /api/v1/main/flows/{ns} lists its 2 flows: {a!r}")
    a = call("GET", f"/api/v1/flows/{ns}/beta?source=true")
    check(a.status == 200 and "format:" in (a.json or {}).get("source", ""),
          f"GET /flows/{ns}/beta?source=true has the YAML: {a!r}")
    check(any("beta" in f for _, _, fs in os.walk(os.path.join(WORK, "flows")) for f in fs),
          "the deployed flows are files of the flows folder")
    # Every document is checked before anything is written.
    delta = docs[0].replace("id: alpha", "id: delta")
    for body, what in [(delta + "---\n" + docs[2], "a document of another namespace"),
                       (delta + "---\n" + docs[0].replace("log.Log", "log.Lgo"), "an invalid document")]:
        a = call("POST", f"/api/v1/flows/{ns}", body, "application/x-yaml")
        check(a.status == 422, f"POST /flows/{ns} with {what} is a 422: {a!r}")
        a = call("GET", f"/api/v1/flows/{ns}/delta")
        check(a.status == 404, f"...and writes none of its flows (delta): {a!r}")
        check(call("GET", f"/api/v1/flows/{ns}/alpha").status == 200, "...and deletes none (alpha)")

    # An update through PUT makes revision 2.
    updated = docs[1].replace("1 + 1", "2 + 2")
    a = call("PUT", f"/api/v1/main/flows/{ns}/beta", updated, "application/x-yaml")
    check(a.status == 200 and (a.json or {}).get("revision") == 2, f"PUT /flows/{ns}/beta makes revision 2: {a!r}")
    a = call("GET", f"/api/v1/flows/{ns}/beta/revisions")
    revs = a.json if isinstance(a.json, list) else []
    check(a.status == 200 and [r.get("revision") for r in revs] == [1, 2],
          f"GET /flows/{ns}/beta/revisions lists revisions 1 and 2, oldest first: {a!r}")
    check(len(revs) == 2 and "1 + 1" in json.dumps(revs[0]) and "2 + 2" in json.dumps(revs[1]),
          f"each revision holds its own source: {revs}")
    a = call("GET", f"/api/v1/flows/{ns}/beta?revision=1")
    check(a.status == 200 and "1 + 1" in a.text, f"GET /flows/{ns}/beta?revision=1 is the old one: {a!r}")
    a = call("PUT", f"/api/v1/main/flows/{ns}/beta", updated, "application/x-yaml")
    check(a.status == 200 and (a.json or {}).get("revision") == 2,
          f"PUT of an unchanged source makes no new revision: {a!r}")

    # A bulk update replaces the namespace's flows: alpha, missing from it, goes.
    a = call("POST", f"/api/v1/flows/{ns}", updated, "application/x-yaml")
    check(a.status == 200 and {(f.get("id"), f.get("deleted")) for f in (a.json or [])} == {("alpha", True), ("beta", False)},
          f"POST /flows/{ns} with beta alone answers beta, and alpha as deleted: {a!r}")
    a = call("GET", f"/api/v1/flows/{ns}/alpha")
    check(a.status == 404, f"the bulk update (delete=true by default) removed alpha: {a!r}")
    a = call("GET", f"/api/v1/flows/{ns}.sub/gamma")
    check(a.status == 200, f"...but not the child namespace's gamma: {a!r}")

    typo = (f"id: typo\nnamespace: {ns}\ntasks:\n  - id: hello\n"
            f"    type: io.kestra.plugin.core.log.Lgo\n    message: hi\n")
    a = call("POST", "/api/v1/flows/validate", typo, "application/x-yaml")
    results = a.json if isinstance(a.json, list) else []
    constraints = (results[0].get("constraints") or "") if results else ""
    check(a.status == 200 and len(results) == 1 and "5:11" in constraints and "Lgo" in constraints,
          f"POST /flows/validate reports the misspelt type at 5:11 in constraints: {a!r}")
    a = call("POST", "/api/v1/flows/validate", docs[0] + "---\n" + typo, "application/x-yaml")
    results = a.json if isinstance(a.json, list) else []
    check(len(results) == 2 and not results[0].get("constraints") and results[1].get("constraints"),
          f"validate answers once per document, the valid one without constraints: {a!r}")
    a = call("POST", "/api/v1/flows", typo, "application/x-yaml")
    check(a.status == 422 and "message" in (a.json or {}), f"POST /flows of an invalid flow is a 422 with a message: {a!r}")
    a = call("GET", f"/api/v1/other/flows/search?namespace={ns}")
    check(a.status == 404 and (a.json or {}).get("status") == 404 and (a.json or {}).get("message"),
          f"tenant 'other' is a 404 {{message, status}}: {a!r}")
    a = call("GET", f"/api/v1/flows/{ns}/nope")
    check(a.status == 404 and (a.json or {}).get("status") == 404, f"an unknown flow is a 404 {{message, status}}: {a!r}")


# --------------------------------------------------------------------------- 2

def test_file_input():
    section("2. a FILE input sent as multipart/form-data")
    deploy("""id: withfile
namespace: it.files
inputs:
  - id: f
    type: FILE
  - id: who
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      data.txt: "{{ read(inputs.f) }}"
    commands:
      - cat data.txt
      - echo "::{\\"outputs\\":{\\"lines\\":$(wc -l < data.txt),\\"sum\\":\\"$(cksum < data.txt | cut -d' ' -f1)\\"}}::"
      - echo "hello {{ inputs.who }}"
""")
    content = "first line\nsecond line, ünïcode\nthird\n".encode()
    expected_sum = subprocess.run(["cksum"], input=content, capture_output=True).stdout.split()[0].decode()
    body, ctype = multipart([("who", None, b"tester"), ("f", "data in.txt", content)])
    a = run("it.files", "withfile", wait=True, body=body, content_type=ctype)
    doc = a.json or {}
    check(a.status == 200 and doc.get("state", {}).get("current") == "SUCCESS",
          f"POST /executions/it.files/withfile?wait=true (multipart) ends SUCCESS: {a!r}")
    show = task_run(doc, "show") or {}
    vars_ = (show.get("outputs") or {}).get("vars") or {}
    check(vars_.get("lines") == 3 and str(vars_.get("sum")) == expected_sum,
          f"the shell task read the uploaded file (3 lines, cksum {expected_sum}): {show.get('outputs')}")
    uri = (doc.get("inputs") or {}).get("f", "")
    SHARED["other_file"] = (uri, content)
    check(isinstance(uri, str) and uri.startswith("floe:///"), f"the FILE input is a floe:/// URI: {uri!r}")
    if doc.get("id") and uri:
        d = call("GET", f"/api/v1/executions/{doc['id']}/file?path={q(uri)}")
        check(d.status == 200 and d.body == content,
              f"GET /executions/{{id}}/file?path={uri} gives back the uploaded bytes: {d.status} {d.body[:80]!r}")
        m = call("GET", f"/api/v1/executions/{doc['id']}/file/metas?path={q(uri)}")
        check(m.status == 200 and (m.json or {}).get("size") == len(content), f"file/metas size {len(content)}: {m!r}")
        logs = call("GET", f"/api/v1/logs/{doc['id']}")
        text = " ".join(l.get("message", "") for l in (logs.json or []))
        check("second line, ünïcode" in text and "hello tester" in text,
              f"the task's stdout (the file, the form field) is in the logs: {logs!r}")
    # A missing required input is a 422, not an execution.
    body, ctype = multipart([("who", None, b"tester")])
    a = run("it.files", "withfile", wait=True, body=body, content_type=ctype)
    check(a.status == 422, f"a missing FILE input is a 422: {a!r}")
    a = run("it.files", "nope", wait=True)
    check(a.status == 404, f"running an unknown flow is a 404: {a!r}")


# --------------------------------------------------------------------------- 3

def test_log_follow():
    section("3. follow an execution's logs over SSE, then resume with Last-Event-ID")
    deploy("""id: chatty
namespace: it.logs
tasks:
  - id: l1
    type: io.kestra.plugin.core.log.Log
    message: line one
  - id: s1
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.4S
  - id: l2
    type: io.kestra.plugin.core.log.Log
    message: line two
  - id: s2
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.4S
  - id: l3
    type: io.kestra.plugin.core.log.Log
    message: line three
  - id: s3
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.4S
  - id: l4
    type: io.kestra.plugin.core.log.Log
    message: line four
""")
    a = run("it.logs", "chatty")
    eid = (a.json or {}).get("id")
    check(a.status == 200 and eid and (a.json or {}).get("state", {}).get("current") not in ENDED,
          f"POST /executions/it.logs/chatty (no wait) answers at once, not ended: {a!r}")
    if not eid:
        return
    stream = Sse(f"/api/v1/logs/{eid}/follow")
    check(stream.status == 200 and stream.content_type.startswith("text/event-stream"),
          f"GET /logs/{{id}}/follow is a text/event-stream: {stream.status} {stream.content_type}")
    lines, ended, first_id = [], False, None
    for ev_id, name, data, at in stream.events():
        if first_id is None:
            first_id = ev_id
        if name == "end":
            ended = True
            break
        if ev_id in ("start", None):
            continue
        try:
            line = json.loads(data)
        except ValueError:
            check(False, f"a log event's data is JSON: {data!r}")
            continue
        lines.append((ev_id, line.get("message"), at))
    stream.close()
    wanted = ["line one", "line two", "line three", "line four"]
    check(first_id == "start", f"the log stream starts with `id: start`, not {first_id!r}")
    check(ended, "the log stream ends with `event: end`")
    check([m for _, m, _ in lines] == wanted, f"every line arrives once, in order: {[m for _, m, _ in lines]}")
    if len(lines) == 4:
        spread = lines[3][2] - lines[0][2]
        check(spread > 0.8, f"lines arrive as they are logged, not at the end (first to last {spread:.2f}s)")
        ids = [i for i, _, _ in lines]
        check(all(i.isdigit() for i in ids) and [int(i) for i in ids] == sorted(int(i) for i in ids) and
              len(set(ids)) == 4, f"each line's event id is its increasing sequence number: {ids}")
        resumed = Sse(f"/api/v1/logs/{eid}/follow", headers={"Last-Event-ID": ids[1]})
        later, ended = [], False
        for ev_id, name, data, _ in resumed.events():
            if name == "end":
                ended = True
                break
            if ev_id in ("start", None):
                continue
            later.append((ev_id, (json.loads(data) if data.startswith("{") else {}).get("message")))
        resumed.close()
        check(later == [(ids[2], "line three"), (ids[3], "line four")] and ended,
              f"Last-Event-ID: {ids[1]} resumes after the 2nd line (then end): {later}, end={ended}")
    a = call("GET", f"/api/v1/logs/{eid}")
    check([l.get("message") for l in (a.json or [])] == wanted, f"GET /logs/{{id}} has the lines oldest first: {a!r}")
    a = call("GET", f"/api/v1/logs/{eid}?taskId=l3")
    check([l.get("message") for l in (a.json or [])] == ["line three"], f"GET /logs/{{id}}?taskId=l3: {a!r}")
    a = call("GET", f"/api/v1/logs/{eid}/download")
    check(a.status == 200 and all(w in a.text for w in wanted) and a.text.count("\n") >= 4,
          f"GET /logs/{{id}}/download is the lines as text: {a!r}")

    # A task printing bytes that are not UTF-8 must not make the log answer
    # unreadable JSON (JSON is UTF-8: such bytes become U+FFFD or escapes).
    deploy("""id: binlog
namespace: it.logs
tasks:
  - id: raw
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - printf 'bad \\377\\376 bytes\\n'
""")
    a = run("it.logs", "binlog", wait=True)
    bid = (a.json or {}).get("id")
    check(a.status == 200 and (a.json or {}).get("state", {}).get("current") == "SUCCESS", f"the binlog flow runs: {a!r}")
    if bid:
        a = call("GET", f"/api/v1/logs/{bid}")
        check(a.status == 200 and a.json is not None and any("bad" in (l.get("message") or "") for l in a.json),
              f"GET /logs/{{id}} of a line with bytes 0xFF 0xFE is valid UTF-8 JSON: {a.status} "
              f"{a.body[a.body.find(b'bad') - 20:a.body.find(b'bad') + 30]!r}")


# --------------------------------------------------------------------------- 4

def test_kill():
    section("4. kill a running execution")
    deploy("""id: slow
namespace: it.kill
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: started
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: never reached
""")
    a = run("it.kill", "slow")
    eid = (a.json or {}).get("id")
    check(a.status == 200 and eid, f"POST /executions/it.kill/slow: {a!r}")
    if not eid:
        return
    deadline = time.time() + 10
    while time.time() < deadline:
        current, doc = state_of(eid)
        if current == "RUNNING" and task_run(doc, "wait"):
            break
        time.sleep(0.05)
    check(current == "RUNNING", f"the slow execution runs (state {current})")
    started = time.time()
    a = call("DELETE", f"/api/v1/executions/{eid}/kill")
    check(a.status == 202, f"DELETE /executions/{eid}/kill is a 202: {a!r}")
    current, doc = wait_ended(eid, timeout=15)
    check(current == "KILLED", f"the killed execution ends KILLED, not {current}")
    check(time.time() - started < 10, f"the kill took {time.time() - started:.1f}s (the sleep is 60s)")
    check(task_run(doc, "last") is None, f"the task after the sleep never ran: {doc.get('taskRunList')}")
    a = call("DELETE", f"/api/v1/executions/{eid}/kill")
    check(a.status in (409, 422), f"killing an ended execution is refused (409/422): {a!r}")
    a = call("DELETE", "/api/v1/executions/nope-not-an-id/kill")
    check(a.status == 404, f"killing an unknown execution is a 404: {a!r}")


def test_pause():
    section("4b. pause a running execution, then resume it")
    deploy("""id: steps
namespace: it.pause
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT2S
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: after the pause
""")
    a = run("it.pause", "steps")
    eid = (a.json or {}).get("id")
    check(a.status == 200 and eid, f"POST /executions/it.pause/steps: {a!r}")
    if not eid:
        return
    deadline = time.time() + 10
    while time.time() < deadline:
        current, doc = state_of(eid)
        if current == "RUNNING" and task_run(doc, "wait"):
            break
        time.sleep(0.05)
    a = call("POST", f"/api/v1/main/executions/{eid}/pause")
    check(a.status == 204, f"POST /main/executions/{eid}/pause is a 204: {a!r}")
    current, _ = state_of(eid)
    check(current == "PAUSED", f"the execution is PAUSED at once, not {current}")
    a = call("POST", f"/api/v1/executions/{eid}/pause")
    check(a.status in (409, 422), f"pausing a paused execution is refused: {a!r}")
    a = call("POST", "/api/v1/executions/pause/by-ids", [eid])
    check(a.status == 400 and eid in json.dumps((a.json or {}).get("invalids")),
          f"bulk pause of a paused execution lists it as invalid: {a!r}")
    time.sleep(3)  # the Sleep ends; nothing after it starts
    current, doc = state_of(eid)
    wait = task_run(doc, "wait") or {}
    check(current == "PAUSED" and (wait.get("state") or {}).get("current") == "SUCCESS",
          f"the running task finished and the execution stayed PAUSED: {current} {wait.get('state')}")
    check(task_run(doc, "last") is None, f"no task started after the pause: {doc.get('taskRunList')}")
    a = call("POST", f"/api/v1/executions/{eid}/resume")
    check(a.status == 204, f"POST /executions/{eid}/resume is a 204: {a!r}")
    current, doc = wait_ended(eid, timeout=15)
    check(current == "SUCCESS", f"the resumed execution ends SUCCESS, not {current}")
    check(task_run(doc, "last") is not None, f"the task after the pause ran once resumed: {doc.get('taskRunList')}")


# --------------------------------------------------------------------------- 5

def test_restart():
    section("5. restart a failed execution; follow it over SSE")
    marker = os.path.join(WORK, "restart.marker")
    deploy(f"""id: flaky
namespace: it.restart
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: before the flaky task
  - id: flaky
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - if [ -f '{marker}' ]; then echo second attempt; else touch '{marker}'; echo first attempt; exit 3; fi
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after the flaky task
""")
    a = run("it.restart", "flaky", wait=True)
    doc = a.json or {}
    eid = doc.get("id")
    check(a.status == 200 and doc.get("state", {}).get("current") == "FAILED",
          f"the flaky flow fails the first time: {a!r}")
    check(os.path.exists(marker), "the failing attempt created its marker")
    if not eid:
        return
    a = call("POST", f"/api/v1/executions/{eid}/restart")
    check(a.status == 200 and (a.json or {}).get("id") == eid, f"POST /executions/{eid}/restart: {a!r}")
    stream = Sse(f"/api/v1/main/executions/{eid}/follow")
    check(stream.status == 200 and stream.content_type.startswith("text/event-stream"),
          f"GET /executions/{{id}}/follow is a text/event-stream: {stream.status} {stream.content_type}")
    events = list(stream.events())
    stream.close()
    check(events and events[0][0] == "start", f"the follow stream starts with `id: start`: {events[:1]}")
    check(events and events[-1][0] == "end", f"the follow stream's last event is `id: end`: {events[-1:]}")
    final = {}
    if events:
        try:
            final = json.loads(events[-1][2])
        except ValueError:
            pass
    check(final.get("id") == eid and final.get("state", {}).get("current") == "SUCCESS",
          f"the end event's data is the execution, SUCCESS: {str(final)[:400]}")
    current, doc = wait_ended(eid)
    check(current == "SUCCESS", f"the restarted execution ends SUCCESS, not {current}")
    runs = [tr for tr in doc.get("taskRunList") or [] if tr.get("taskId") == "flaky"]
    check(runs and runs[-1].get("state", {}).get("current") == "SUCCESS",
          f"the flaky task ran again and succeeded: {[tr.get('state', {}).get('current') for tr in runs]}")
    # floe records each try as a task run of its own (Kestra nests them as
    # attempts of one): the second one is attempt 2.
    check([tr.get("attempt") for tr in runs] == [1, 2] and
          [tr.get("state", {}).get("current") for tr in runs] == ["FAILED", "SUCCESS"],
          f"the restarted task's tries are attempts 1 (FAILED) and 2 (SUCCESS): "
          f"{[(tr.get('attempt'), tr.get('state', {}).get('current')) for tr in runs]}")
    check((task_run(doc, "after") or {}).get("state", {}).get("current") == "SUCCESS", "the task after it ran")
    logs = [l.get("message") for l in (call("GET", f"/api/v1/logs/{eid}").json or [])]
    check(logs.count("before the flaky task") == 1, f"the task before the failed one did not run again: {logs}")
    check(any("second attempt" in (m or "") for m in logs), f"the second attempt's output is logged: {logs}")
    a = call("POST", f"/api/v1/executions/{eid}/restart")
    check(a.status in (409, 422), f"restarting a SUCCESS execution is refused: {a!r}")


# --------------------------------------------------------------------------- 6

def test_replay():
    section("6. replay from the second task")
    deploy("""id: replayed
namespace: it.replay
tasks:
  - id: first
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "first task runs"
      - echo "::{\\"outputs\\":{\\"nonce\\":\\"$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')\\"}}::"
  - id: second
    type: io.kestra.plugin.core.log.Log
    message: "second task sees {{ outputs.first.vars.nonce }}"
""")
    a = run("it.replay", "replayed", wait=True)
    doc = a.json or {}
    eid = doc.get("id")
    check(a.status == 200 and doc.get("state", {}).get("current") == "SUCCESS", f"the flow to replay runs: {a!r}")
    if not eid:
        return
    nonce = ((task_run(doc, "first") or {}).get("outputs") or {}).get("vars", {}).get("nonce")
    check(bool(nonce), f"the first task has a nonce output: {task_run(doc, 'first')}")
    a = call("POST", f"/api/v1/executions/{eid}/replay?taskId=second")
    new_id = (a.json or {}).get("id")
    check(a.status == 200 and new_id and new_id != eid, f"POST /executions/{eid}/replay?taskId=second: {a!r}")
    if not new_id:
        return
    current, new = wait_ended(new_id)
    check(current == "SUCCESS", f"the replay ends SUCCESS, not {current}")
    kept = task_run(new, "first") or {}
    check(((kept.get("outputs") or {}).get("vars") or {}).get("nonce") == nonce,
          f"the first task's run is kept with the same outputs ({nonce}): {kept}")
    old_logs = call("GET", f"/api/v1/logs/{eid}").json or []
    new_logs = call("GET", f"/api/v1/logs/{new_id}").json or []
    check(0 < len(new_logs) < len(old_logs), f"the replay logs fewer lines ({len(new_logs)} vs {len(old_logs)})")
    check(not any(l.get("taskId") == "first" for l in new_logs),
          f"the first task did not run again in the replay: {[l.get('message') for l in new_logs]}")
    check(any(l.get("message") == f"second task sees {nonce}" for l in new_logs),
          f"the replayed second task used the kept output: {[l.get('message') for l in new_logs]}")
    current, again = state_of(eid)
    check(current == "SUCCESS" and len(again.get("taskRunList") or []) == 2, "the original execution is untouched")
    a = call("POST", f"/api/v1/executions/{eid}/replay?taskId=nope")
    check(400 <= a.status < 500, f"replay from an unknown task is a 4xx: {a!r}")


# --------------------------------------------------------------------------- 7

def test_paging():
    section("7. 1,000 executions: create concurrently, page, filter")
    deploy("""id: trivial
namespace: it.page.bulk
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: ok
""")
    deploy("""id: trivial
namespace: it.pageother
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: ok
""")
    total, labelled = 1000, 100
    created, errors = [], []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            path = "/api/v1/main/executions/it.page.bulk/trivial"
            if i < labelled:
                path += "?labels=team:a"
            try:
                conn.request("POST", path, body=b"", headers={"Content-Length": "0"})
                r = conn.getresponse()
                body = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                with lock:
                    errors.append(f"{path}: {e!r}")
                continue
            with lock:
                if r.status == 200:
                    created.append(json.loads(body).get("id"))
                else:
                    errors.append(f"{path}: {r.status} {body[:200]!r}")
        conn.close()

    started = time.time()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    create_s = time.time() - started
    check(not errors and len(created) == total,
          f"{total} POST /executions answered 200 ({len(created)} did; errors: {errors[:5]})")
    print(f"   created {len(created)} executions in {create_s:.1f}s", flush=True)
    other = run("it.pageother", "trivial", wait=True)
    check(other.status == 200, f"an execution in a sibling namespace: {other!r}")

    done = 0
    deadline = time.time() + 45
    while time.time() < deadline:
        a = call("GET", "/api/v1/executions/search?flowId=trivial&namespace=it.page.bulk&state=SUCCESS&size=1")
        done = (a.json or {}).get("total", 0)
        if done >= len(created):
            break
        time.sleep(0.25)
    print(f"   all ended {time.time() - started:.1f}s after the first POST", flush=True)
    check(done == total, f"all {total} executions end SUCCESS (search state=SUCCESS total {done})")

    seen, starts, pages_total = [], [], set()
    for page in range(1, 12):
        a = call("GET", f"/api/v1/main/executions/search?flowId=trivial&namespace=it.page.bulk&size=100&page={page}")
        doc = a.json or {}
        results = doc.get("results", [])
        pages_total.add(doc.get("total"))
        if page <= 10:
            check(a.status == 200 and len(results) == 100, f"page {page} of size 100 has 100 results: {a.status} {len(results)}")
        else:
            check(a.status == 200 and results == [], f"page 11 is empty: {a!r}")
        for e in results:
            seen.append(e.get("id"))
            starts.append(e.get("state", {}).get("startDate") or "")
    check(pages_total == {total}, f"every page says total {total}: {pages_total}")
    check(len(seen) == total and len(set(seen)) == total, f"paging gives {total} distinct ids ({len(set(seen))} distinct of {len(seen)})")
    check(set(seen) == set(created), "the ids paged are those created")
    inversions = [i for i in range(len(starts) - 1) if starts[i] < starts[i + 1]]
    check(not inversions, "the executions come newest first (startDate non-increasing across pages); "
          f"{len(inversions)} inversions, the first: " +
          "; ".join(f"#{i} {seen[i]} {starts[i]} before #{i + 1} {seen[i + 1]} {starts[i + 1]}" for i in inversions[:3]))

    a = call("GET", "/api/v1/executions/search?namespace=it.page.bulk&labels=team:a&size=200")
    doc = a.json or {}
    check(doc.get("total") == labelled and len(doc.get("results", [])) == labelled and
          all({"key": "team", "value": "a"} in e.get("labels", []) for e in doc.get("results", [])),
          f"labels=team:a finds the {labelled} labelled ones: total {doc.get('total')}")
    a = call("GET", "/api/v1/executions/search?namespace=it.page.bulk&labels=team:b&size=1")
    check((a.json or {}).get("total") == 0, f"labels=team:b finds none: {a!r}")
    a = call("GET", "/api/v1/executions/search?namespace=it.page&size=1")
    check((a.json or {}).get("total") == total, f"namespace=it.page (a parent) finds it.page.bulk's {total}: {a!r}")
    a = call("GET", "/api/v1/executions/search?namespace=it.pageother&size=5")
    check((a.json or {}).get("total") == 1, f"namespace=it.pageother finds only its own: {a!r}")
    a = call("GET", "/api/v1/executions/search?flowId=trivial&size=1")
    check((a.json or {}).get("total") == total + 1, f"flowId=trivial alone spans both namespaces: {a!r}")
    a = call("GET", "/api/v1/executions/search?namespace=it.page.bulk&state=FAILED&size=1")
    check((a.json or {}).get("total") == 0, f"state=FAILED finds none: {a!r}")
    a = call("GET", "/api/v1/executions?namespace=it.page.bulk&flowId=trivial&size=7&page=2")
    doc = a.json or {}
    check(a.status == 200 and doc.get("total") == total and len(doc.get("results", [])) == 7 and
          [e.get("id") for e in doc.get("results", [])] == seen[7:14],
          f"GET /executions?namespace=&flowId=&size=7&page=2 is the same order: {str(doc)[:300]}")
    a = call("GET", "/api/v1/executions/search?size=0")
    check(400 <= a.status < 500, f"size=0 is a 4xx: {a!r}")


# --------------------------------------------------------------------------- 8

def test_output_file():
    section("8. download and preview a task's output file")
    csv = "id,city,amount\n1,Paris,10.5\n2,Oslo,20\n3,Lima,7.25\n"
    deploy(f"""id: writer
namespace: it.output
tasks:
  - id: csv
    type: io.kestra.plugin.core.storage.Write
    extension: .csv
    content: {json.dumps(csv)}
  - id: text
    type: io.kestra.plugin.core.storage.Write
    extension: .txt
    content: "hello\\nworld\\n"
outputs:
  - id: report
    type: FILE
    value: "{{{{ outputs.csv.uri }}}}"
""")
    a = run("it.output", "writer", wait=True)
    doc = a.json or {}
    eid = doc.get("id")
    check(a.status == 200 and doc.get("state", {}).get("current") == "SUCCESS", f"the writing flow runs: {a!r}")
    if not eid:
        return
    uri = ((task_run(doc, "csv") or {}).get("outputs") or {}).get("uri", "")
    check(uri.startswith("floe:///") and uri.endswith(".csv"), f"storage.Write's uri output: {uri!r}")
    check((doc.get("outputs") or {}).get("report") == uri, f"the flow output is the file's URI: {doc.get('outputs')}")
    d = call("GET", f"/api/v1/executions/{eid}/file?path={q(uri)}")
    check(d.status == 200 and d.body == csv.encode(), f"GET /executions/{{id}}/file?path= downloads the CSV: {d!r}")
    p = call("GET", f"/api/v1/executions/{eid}/file/preview?path={q(uri)}")
    pv = p.json or {}
    rows = pv.get("content") or []
    check(p.status == 200 and pv.get("type") == "TABLE" and len(rows) == 3,
          f"GET /file/preview of the CSV is a TABLE of 3 rows: {p!r}")
    check(len(rows) == 3 and all(isinstance(r, dict) for r in rows) and
          [(r.get("id"), r.get("city"), r.get("amount")) for r in rows] == [(1, "Paris", 10.5), (2, "Oslo", 20), (3, "Lima", 7.25)],
          f"the preview's rows are the CSV's records, typed: {rows}")
    check([c.get("name") for c in pv.get("columns") or []] == ["id", "city", "amount"],
          f"the preview names the CSV's columns: {pv.get('columns')}")
    p = call("GET", f"/api/v1/executions/{eid}/file/preview?path={q(uri)}&maxRows=2")
    check(len((p.json or {}).get("content") or []) == 2 and (p.json or {}).get("truncated") is True,
          f"maxRows=2 previews 2 rows, truncated: {p!r}")
    txt = ((task_run(doc, "text") or {}).get("outputs") or {}).get("uri", "")
    p = call("GET", f"/api/v1/executions/{eid}/file/preview?path={q(txt)}")
    check(p.status == 200 and (p.json or {}).get("type") == "TEXT" and (p.json or {}).get("content") == ["hello", "world"],
          f"a text file previews as its lines: {p!r}")
    other_uri, other_content = SHARED.get("other_file", ("floe:///it.files/withfile/x.txt", b"-"))
    d = call("GET", f"/api/v1/executions/{eid}/file?path={q(other_uri)}")
    check(400 <= d.status < 500 and other_content not in d.body,
          f"another execution's file is not served through this one: {d!r}")
    d = call("GET", f"/api/v1/executions/{eid}/file?path={q(uri.rsplit('/', 1)[0] + '/../../../../../../etc/passwd')}")
    check(d.status in (400, 403, 404, 422) and b"root:" not in d.body, f"a `..` file path is refused: {d!r}")


# --------------------------------------------------------------------------- 9

def test_kv_and_files():
    section("9. KV and namespace files round trip; traversal refused")
    ns = "it.kv"
    a = call("PUT", f"/api/v1/namespaces/{ns}/kv/obj", {"a": 1, "b": [1, 2]})
    check(a.status in (200, 204), f"PUT kv/obj (JSON): {a!r}")
    a = call("PUT", f"/api/v1/main/namespaces/{ns}/kv/text", "plain words", "text/plain")
    check(a.status in (200, 204), f"PUT kv/text (text): {a!r}")
    a = call("PUT", f"/api/v1/namespaces/{ns}/kv/num", "42", "application/json")
    a = call("GET", f"/api/v1/namespaces/{ns}/kv/obj")
    check(a.status == 200 and a.json == {"type": "JSON", "value": {"a": 1, "b": [1, 2]}}, f"GET kv/obj: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/kv/text")
    check(a.status == 200 and a.json == {"type": "STRING", "value": "plain words"}, f"GET kv/text: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/kv/num")
    check(a.status == 200 and a.json == {"type": "NUMBER", "value": 42}, f"GET kv/num: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/kv")
    keys = sorted(k.get("key") for k in (a.json or []))
    check(a.status == 200 and keys == ["num", "obj", "text"], f"GET /namespaces/{ns}/kv lists 3 keys: {a!r}")
    a = call("DELETE", f"/api/v1/namespaces/{ns}/kv/text")
    check(a.status == 200 and a.json is True, f"DELETE kv/text answers true: {a!r}")
    a = call("DELETE", f"/api/v1/namespaces/{ns}/kv/text")
    check(a.status == 200 and a.json is False, f"DELETE kv/text again answers false: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/kv/text")
    check(a.status == 404, f"GET a deleted key is a 404: {a!r}")
    a = call("PUT", f"/api/v1/namespaces/{ns}/kv/short", '"soon gone"', "application/json", headers={"ttl": "PT0.5S"})
    check(a.status in (200, 204), f"PUT kv/short with header ttl: PT0.5S: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/kv/short")
    check(a.status == 200 and (a.json or {}).get("value") == "soon gone", f"GET kv/short before its ttl: {a!r}")
    a = call("PUT", f"/api/v1/namespaces/{ns}/kv/bad", "1", "application/json", headers={"ttl": "an hour"})
    check(a.status == 422, f"PUT kv with ttl: 'an hour' is a 422: {a!r}")
    time.sleep(1.0)
    a = call("GET", f"/api/v1/namespaces/{ns}/kv/short")
    check(a.status == 410, f"a key past its ttl is a 410: {a!r}")
    # A flow reads what the API wrote.
    deploy(f"""id: reader
namespace: {ns}
tasks:
  - id: get
    type: io.kestra.plugin.core.log.Log
    message: "kv {{{{ kv('obj').b[1] }}}} file {{{{ read('dir/moved.txt') | trim }}}}"
""")

    binary = bytes(range(256)) * 64 + b"\r\n--not-a-boundary\r\n"
    body, ctype = multipart([("fileContent", "blob.bin", binary)])
    a = call("POST", f"/api/v1/namespaces/{ns}/files?path={q('/bin/blob.bin')}", body, ctype)
    check(a.status in (200, 204), f"POST /namespaces/{ns}/files?path=/bin/blob.bin (binary): {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files?path={q('/bin/blob.bin')}")
    check(a.status == 200 and a.body == binary,
          f"a binary namespace file downloads byte-identical: {a.status}, {len(a.body)} bytes of {len(binary)}")
    data = "line A\nline B, ünïcode\n".encode()
    body, ctype = multipart([("fileContent", "orig.txt", data)])
    a = call("POST", f"/api/v1/namespaces/{ns}/files?path={q('/dir/orig.txt')}", body, ctype)
    check(a.status in (200, 204), f"POST /namespaces/{ns}/files?path=/dir/orig.txt (multipart fileContent): {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files/directory?path={q('/dir')}")
    names = [e.get("fileName") for e in (a.json or [])] if isinstance(a.json, list) else []
    check(a.status == 200 and names == ["orig.txt"], f"GET files/directory?path=/dir lists orig.txt: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files/directory?path=/")
    check(a.status == 200 and any(e.get("fileName") == "dir" and e.get("type") == "Directory" for e in (a.json or [])),
          f"GET files/directory?path=/ lists dir as a Directory: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files/stats?path={q('/dir/orig.txt')}")
    check(a.status == 200 and (a.json or {}).get("type") == "File" and (a.json or {}).get("size") == len(data),
          f"GET files/stats: a File of {len(data)} bytes: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files?path={q('/dir/orig.txt')}")
    check(a.status == 200 and a.body == data, f"GET files?path=/dir/orig.txt downloads the same bytes: {a!r}")
    a = call("PUT", f"/api/v1/namespaces/{ns}/files?from={q('/dir/orig.txt')}&to={q('/dir/moved.txt')}")
    check(a.status in (200, 204), f"PUT files?from=/dir/orig.txt&to=/dir/moved.txt: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files?path={q('/dir/orig.txt')}")
    check(a.status == 404, f"the moved file's old path is a 404: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files?path={q('/dir/moved.txt')}")
    check(a.status == 200 and a.body == data, f"the moved file downloads from its new path: {a!r}")
    r = run(ns, "reader", wait=True)
    logs = [l.get("message") for l in (call("GET", f"/api/v1/logs/{(r.json or {}).get('id')}").json or [])]
    check((r.json or {}).get("state", {}).get("current") == "SUCCESS" and
          any(m and m.startswith("kv 2 file line A") for m in logs),
          f"a flow reads the KV value and the namespace file the API wrote: {r!r} {logs}")
    a = call("DELETE", f"/api/v1/namespaces/{ns}/files?path={q('/dir/moved.txt')}")
    check(a.status in (200, 204), f"DELETE files?path=/dir/moved.txt: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files?path={q('/dir/moved.txt')}")
    check(a.status == 404, f"the deleted file is a 404: {a!r}")
    a = call("POST", f"/api/v1/namespaces/{ns}/files/directory?path={q('/made/deep')}")
    check(a.status in (200, 204), f"POST files/directory?path=/made/deep: {a!r}")
    a = call("DELETE", f"/api/v1/namespaces/{ns}/files?path={q('/made')}")
    check(a.status in (200, 204), f"DELETE a folder: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/files/directory?path=/")
    check(not any(e.get("fileName") == "made" for e in (a.json or [])), f"the deleted folder is gone: {a!r}")

    for method, path, body, ctype in [
            ("GET", f"/api/v1/namespaces/{ns}/files?path=/../../etc/passwd", None, None),
            ("GET", f"/api/v1/namespaces/{ns}/files?path={q('/../../etc/passwd')}", None, None),
            ("GET", f"/api/v1/namespaces/{ns}/files/directory?path={q('/../..')}", None, None),
            ("GET", f"/api/v1/namespaces/{ns}/files/stats?path={q('/dir/../../other/x')}", None, None),
            ("POST", f"/api/v1/namespaces/{ns}/files?path={q('/../escaped.txt')}",
             *multipart([("fileContent", "e.txt", b"escaped")])),
            ("PUT", f"/api/v1/namespaces/{ns}/files?from={q('/dir')}&to={q('/../../moved')}", None, None),
            ("DELETE", f"/api/v1/namespaces/{ns}/files?path={q('/..')}", None, None),
            ("GET", f"/api/v1/namespaces/{q('../x')}/files?path=/a", None, None)]:
        a = call(method, path, body, ctype)
        check(400 <= a.status < 500 and b"root:" not in a.body, f"{method} {path} is refused with a 4xx: {a!r}")
    check(not os.path.exists(os.path.join(WORK, "flows", "_files", "escaped.txt")) and
          not os.path.exists(os.path.join(WORK, "flows", "escaped.txt")), "nothing was written outside the namespace")
    check(os.path.isdir(os.path.join(WORK, "flows", "_files", ns, "dir")), "the namespace's own folder is still there")
    a = call("GET", "/health/readiness")
    check(a.status == 200, f"the server keeps serving after the traversal attempts: {a!r}")
    a = call("GET", f"/api/v1/namespaces/{ns}/kv/obj")
    check(a.status == 200, f"...and the API still answers: {a!r}")


# --------------------------------------------------------------------------- 10

def test_bulk():
    section("10. bulk kill and delete by ids")
    running = run("it.kill", "slow")
    rid = (running.json or {}).get("id")
    check(running.status == 200 and rid, f"a slow execution to kill: {running!r}")
    bogus = "0000000000NOTANEXECUTION00"
    a = call("DELETE", "/api/v1/executions/kill/by-ids", [rid, bogus])
    doc = a.json or {}
    check(a.status == 400 and bogus in json.dumps(doc.get("invalids")),
          f"DELETE /executions/kill/by-ids with an unknown id is a 400 listing it in invalids: {a!r}")
    time.sleep(0.3)
    current, _ = state_of(rid)
    check(current not in ENDED, f"the refused bulk kill killed nothing (state {current})")
    a = call("DELETE", "/api/v1/executions/kill/by-ids", [rid])
    check(a.status == 200 and (a.json or {}).get("count") == 1, f"DELETE /executions/kill/by-ids [{rid}]: {a!r}")
    current, _ = wait_ended(rid, timeout=15)
    check(current == "KILLED", f"the bulk-killed execution ends KILLED, not {current}")

    ids = []
    for _ in range(3):
        r = run("it.output", "writer", wait=True)
        if (r.json or {}).get("id"):
            ids.append(r.json["id"])
    check(len(ids) == 3, "3 ended executions to delete")
    a = call("DELETE", "/api/v1/executions/by-ids", ids + [bogus])
    check(a.status == 400 and bogus in json.dumps((a.json or {}).get("invalids")),
          f"DELETE /executions/by-ids with an unknown id is a 400 with invalids: {a!r}")
    check(all(call("GET", f"/api/v1/executions/{i}").status == 200 for i in ids), "the refused delete deleted nothing")
    a = call("DELETE", "/api/v1/executions/by-ids", ids + [rid])
    check(a.status == 200 and (a.json or {}).get("count") == 4, f"DELETE /executions/by-ids of 4 ended ones: {a!r}")
    for i in ids + [rid]:
        g = call("GET", f"/api/v1/executions/{i}")
        check(g.status == 404, f"a deleted execution is a 404: GET /executions/{i} -> {g!r}")
    a = call("GET", "/api/v1/executions/search?namespace=it.output&flowId=writer&size=50")
    check(not set(ids) & {e.get("id") for e in (a.json or {}).get("results", [])},
          f"deleted executions are not searched: {a!r}")


# --------------------------------------------------------------------------- 11

def test_lake():
    section("11. the lakehouse: Iceberg tables, their files, a time-travel preview, the SQL console")
    deploy("""id: orders
namespace: it.lake
tasks:
  - id: create
    type: iceberg.CreateTable
    table: it_lake.orders
    columns:
      - {name: id, type: long}
      - {name: region, type: string}
    partitionBy: [region]
  - id: first
    type: iceberg.Write
    table: it_lake.orders
    sql: SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region FROM range(1, 11) t(i)
  - id: second
    type: iceberg.Write
    table: it_lake.orders
    sql: SELECT i AS id, 'apac' AS region FROM range(11, 16) t(i)
""")
    a = run("it.lake", "orders", wait=True)
    check(a.status == 200 and (a.json or {}).get("state", {}).get("current") == "SUCCESS",
          f"the flow writing an Iceberg table succeeds: {a!r}")
    a = call("GET", "/api/v1/lake/tables")
    names = [(t.get("namespace"), t.get("name")) for t in (a.json or {}).get("results", [])]
    check(a.status == 200 and ("it_lake", "orders") in names, f"GET /lake/tables lists it_lake.orders: {a!r}")
    a = call("GET", "/api/v1/main/lake/tables/it_lake/orders")
    meta = (a.json or {}).get("metadata") or {}
    snapshots = meta.get("snapshots") or []
    check(a.status == 200 and meta.get("format-version") == 2 and len(snapshots) == 2,
          f"GET /lake/tables/it_lake/orders has the spec's metadata with 2 snapshots: {a!r}")
    if len(snapshots) != 2:
        return
    first = snapshots[0]["snapshot-id"]
    a = call("GET", f"/api/v1/lake/tables/it_lake/orders/files?snapshot={first}")
    files = (a.json or {}).get("files") or []
    check(a.status == 200 and (a.json or {}).get("records") == 10 and len(files) == 2 and
          sorted(f["partition"][0] for f in files) == ["eu", "us"],
          f"the first snapshot's files: 10 rows in the eu and us partitions: {a!r}")
    a = call("GET", f"/api/v1/lake/tables/it_lake/orders/preview?snapshot={first}&size=100")
    rows = (a.json or {}).get("rows") or []
    check(a.status == 200 and len(rows) == 10 and [c["name"] for c in a.json["columns"]] == ["id", "region"],
          f"the preview at the first snapshot has its 10 rows (time travel): {a!r}")
    a = call("GET", "/api/v1/lake/tables/it_lake/orders/preview?size=3")
    check(a.status == 200 and len(a.json.get("rows", [])) == 3 and a.json.get("truncated") is True,
          f"the current preview with size=3 is 3 rows, truncated: {a!r}")
    a = call("GET", "/api/v1/lake/tables/it_lake/orders/preview?snapshot=12345")
    check(a.status == 404 and "12345" in (a.json or {}).get("message", ""),
          f"a preview at an unknown snapshot is a 404 naming it: {a!r}")
    a = call("GET", "/api/v1/lake/tables/it_lake/nope")
    check(a.status == 404, f"an unknown table is a 404: {a!r}")
    a = call("POST", "/api/v1/lake/sql",
             {"sql": "SELECT region, count(*) AS n FROM iceberg_scan('it_lake.orders') GROUP BY region "
                     "ORDER BY region -- by region"})
    check(a.status == 200 and (a.json or {}).get("rows") == [["apac", 5], ["eu", 5], ["us", 5]],
          f"the SQL console counts the current rows by region: {a!r}")
    a = call("POST", "/api/v1/lake/sql", {"sql": "SELECT 1\nFROM range(3)\nWHERE WHERE"})
    check(a.status == 422 and "LINE 3:" in (a.json or {}).get("message", ""),
          f"a syntax error names the line of the query as written: {a!r}")
    # Line 9 of the query is line 10 of what DuckDB saw: one digit less, and
    # the caret under the error moves left with it. A literal that looks like
    # the marker is the user's text, left alone.
    a = call("POST", "/api/v1/lake/sql", {"sql": "\n" * 8 + "SELECT 'LINE 7: x' WHERE WHERE"})
    message = (a.json or {}).get("message", "")
    lines = message.split("\n")
    marker = next((i for i, l in enumerate(lines) if l.startswith("LINE 9: ")), None)
    caret_ok = (marker is not None and marker + 1 < len(lines)
                and lines[marker + 1].index("^") == lines[marker].index("WHERE WHERE") + len("WHERE "))
    check(a.status == 422 and caret_ok and "'LINE 7: x'" in message,
          f"line 9 is LINE 9, the caret is under the error, the literal is untouched: {message!r}")
    a = call("POST", "/api/v1/lake/sql", {"sql": "SELECT 42 AS answer;  \n"})
    check(a.status == 200 and (a.json or {}).get("rows") == [[42]], f"a trailing ';' is fine: {a!r}")
    copy_to = os.path.join(WORK, "console_copy.csv")
    for bad in ["COPY (SELECT 1) TO '" + copy_to + "'", "CREATE TABLE t AS SELECT 1", "SELECT 1; SELECT 2",
                "SET threads = 1", "ATTACH '" + os.path.join(WORK, "x.duckdb") + "'"]:
        a = call("POST", "/api/v1/lake/sql", {"sql": bad})
        check(a.status == 422 and (a.json or {}).get("message"), f"the console refuses {bad!r} with a 422: {a!r}")
    check(not os.path.exists(copy_to), "the refused COPY wrote nothing")
    a = call("POST", "/api/v1/lake/sql", {"sql": "SELECT * FROM range(20000)", "size": 50000})
    check(a.status == 422, f"a size over 10,000 is refused: {a!r}")



def test_model_docs():
    section("11b. SQL models as dbt docs shows them: /lake/models and one run's nodes, SQL, columns, results")
    deploy("""id: shop_models
namespace: it.models
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      dbt_project.yml: |
        name: shop
        profile: shop
      models/stg_orders.sql: "select i as id, i * 2.5 as amount, 'eu' as region from range(1, 6) t(i)"
      models/orders_by_region.sql: "select region, sum(amount) as total from {{ '{{' }} ref('stg_orders') {{ '}}' }} group by region"
      models/schema.yml: |
        version: 2
        models:
          - name: orders_by_region
            description: Revenue per region
            columns:
              - name: region
                description: Where the order was placed
                data_tests: [not_null]
              - name: total
                description: Sum of amounts
    tasks:
      - id: build
        type: io.kestra.plugin.dbt.cli.DbtCLI
        commands: [dbt build]
        profiles: |
          shop:
            target: dev
            outputs:
              dev: {type: duckdb, path: shop.duckdb}
""")
    a = run("it.models", "shop_models", wait=True)
    check(a.status == 200 and (a.json or {}).get("state", {}).get("current") == "SUCCESS",
          f"the models flow succeeds: {a!r}")
    execution = (a.json or {}).get("id")
    check(not os.path.exists(os.path.join(WORK, "shop.duckdb")),
          "the profile's relative path is in the task's working directory, not the server's")
    logs = [l.get("message", "") for l in (call("GET", f"/api/v1/logs/{execution}").json or [])
            if l.get("level") == "WARN"]
    check(any("deleted when the task ends" in m for m in logs),
          f"a database in the task's working directory is warned about: {logs}")
    a = call("GET", "/api/v1/lake/models")
    runs = [r for r in (a.json or {}).get("results", []) if r.get("executionId") == execution]
    check(a.status == 200 and len(runs) == 1 and runs[0].get("summary", {}).get("pass") == 3
          and str(runs[0].get("catalog", "")).endswith("catalog.json"),
          f"GET /lake/models lists the run with 3 passes and its catalog.json: {a!r}")
    if not runs:
        return
    task_run_id = runs[0]["taskRunId"]
    a = call("GET", f"/api/v1/main/lake/models/{execution}/{task_run_id}")
    nodes = {n.get("name"): n for n in (a.json or {}).get("nodes", [])}
    check(a.status == 200 and (a.json or {}).get("projectName") == "shop"
          and set(nodes) == {"stg_orders", "orders_by_region", "not_null_orders_by_region_region"},
          f"GET /lake/models/{{execution}}/{{taskRun}} has the project's three nodes: {a!r}")
    by_region = nodes.get("orders_by_region", {})
    check(by_region.get("status") == "success" and isinstance(by_region.get("executionTime"), (int, float))
          and by_region.get("dependsOn") == ["model.shop.stg_orders"]
          and '"stg_orders"' in (by_region.get("compiledCode") or "") and "ref(" not in by_region.get("compiledCode", "ref(")
          and "ref('stg_orders')" in (by_region.get("rawCode") or ""),
          f"a model has its status, time, lineage, raw and compiled SQL: {by_region!r}")
    columns = [(c.get("name"), c.get("description"), bool(c.get("type"))) for c in by_region.get("columns", [])]
    check(columns == [("region", "Where the order was placed", True), ("total", "Sum of amounts", True)],
          f"its columns are the built relation's, typed, with their documentation: {columns!r}")
    test = nodes.get("not_null_orders_by_region_region", {})
    check(test.get("attachedNode") == "model.shop.orders_by_region" and test.get("status") == "pass",
          f"the test is attached to its model and passed: {test!r}")
    a = call("GET", f"/api/v1/lake/models/{execution}/no-such-run")
    check(a.status == 404 and "no-such-run" in (a.json or {}).get("message", ""),
          f"an unknown task run is a 404 naming it: {a!r}")
    wd_run = task_run((state_of(execution)[1]), "wd")
    a = call("GET", f"/api/v1/lake/models/{execution}/{(wd_run or {}).get('id')}")
    check(a.status == 404 and "no manifest" in (a.json or {}).get("message", ""),
          f"a task run that ran no models is a 404 saying so: {a!r}")

def start_server(floe):
    global BASE, PORT
    home, flows = os.path.join(WORK, "home"), os.path.join(WORK, "flows")
    os.makedirs(flows)
    log = open(os.path.join(WORK, "server.err"), "w")
    server = subprocess.Popen([floe, "server", "--home", home, "--flows", flows, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=log, text=True, cwd=WORK)
    deadline = time.time() + 30
    while time.time() < deadline and BASE is None:
        line = server.stdout.readline()
        if not line:
            break
        m = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", line)
        if m:
            BASE, PORT = m.group(1), int(m.group(2))
    # Keep draining stdout so the server never blocks on a full pipe.
    out = open(os.path.join(WORK, "server.out"), "w")
    threading.Thread(target=lambda: shutil.copyfileobj(server.stdout, out), daemon=True).start()
    if BASE is None:
        return server
    while time.time() < deadline:
        try:
            if call("GET", "/health/readiness", timeout=5).status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.05)
    BASE = None
    return server


def main():
    global WORK
    if len(sys.argv) != 2:
        sys.exit("usage: api_integration.py FLOE_BINARY")
    floe = os.path.abspath(sys.argv[1])
    WORK = tempfile.mkdtemp(prefix="floe_api_it_")
    server = None
    began = time.time()
    try:
        server = start_server(floe)
        if BASE is None:
            with open(os.path.join(WORK, "server.err")) as f:
                check(False, "floe server did not start and get ready: " + f.read()[-2000:])
        else:
            for test in [test_deploy, test_file_input, test_log_follow, test_kill, test_pause, test_restart, test_replay,
                         test_paging, test_output_file, test_kv_and_files, test_bulk, test_lake, test_model_docs]:
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
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            else:
                check(False, f"the server had exited with status {server.returncode}")
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
    print("floe REST API integration: every check passed")


if __name__ == "__main__":
    main()
