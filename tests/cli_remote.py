#!/usr/bin/env python3
"""floe's CLI as a client of a running `floe server`: deploy, run, inspect.

Starts `floe server` on a free loopback port with a fresh home and flows
folder, then drives the `floe` binary itself (FLOE_SERVER in the environment,
or --server), checking what it prints and its exit codes against the REST
API (urllib only) and against the same commands run locally on the server's
home. It proves that:

1. `floe deploy DIR`: a folder with flows in two namespaces (files at any
   depth; folders starting with `_` or `.` skipped, even holding broken YAML)
   and namespace files under `_files/<namespace>/...`: `--dry-run` prints the
   plan (`+ flow ns/id`, `+ file ns:/path`) and changes nothing; the deploy
   creates the flows (their sources as written) and the files (downloading
   byte-identical); a second deploy has nothing to do; an edited flow is a
   `~`, a removed one is kept without --delete (the summary says so) and goes
   with it (404, its revisions end with a deleted one), a removed file goes
   too; --namespace limits the scope both ways (the folder's other namespaces
   are not deployed, the server's are never deleted); a folder holding one
   broken flow deploys nothing and exits non-zero naming file:line:col;
2. `floe deploy GIT_URL`: a repository made with the git CLI deploys from
   file://, from the plain path of a bare clone, and `--branch` picks a
   branch (an unknown one is an error naming the branches);
3. the CLI as a client: `floe run FILE -i name=v -i f=PATH` (a FILE input is
   a local path, uploaded) saves the flow on the server (updated on the next
   run), prints the log lines and the summary, exits 0 on SUCCESS and 1 on
   FAILED; `executions list`, `show PREFIX`, `show --json` and `logs` print
   the same as the local CLI on the server's home, while it runs and after it
   stopped; `logs --follow` prints a running execution's lines as they come
   and exits when it ends; `executions kill` prints KILLED; `restart` of a
   failed execution ends SUCCESS; `replay --task` keeps the earlier task's
   run; `floe flows` lists the server's flows; `floe triggers list` shows a
   deployed Schedule trigger as the local CLI does, and `triggers disable` /
   `enable` change it (GET /api/v1/triggers/search);
4. against a server with a bearer token (server.tokens, hashed by
   `floe server hash-password`): FLOE_TOKEN set works; without it, or a wrong
   one, the CLI fails (non-zero) with a message naming HTTP 401;
5. errors: a closed port is a "cannot reach" error, non-zero; `executions
   recover` against a server is refused with a message saying why.

usage: cli_remote.py FLOE_BINARY
"""
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
import urllib.error
import urllib.parse
import urllib.request

FAILURES = []
FLOE = None
BASE = None   # http://127.0.0.1:PORT
WORK = None
HOME = None   # the server's home
SHARED = {}   # what one section leaves for another


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def section(title):
    print(f"== {title}", flush=True)


# --------------------------------------------------------------------------- HTTP

class Answer:
    def __init__(self, status, body):
        self.status = status
        self.body = body

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


def call(method, path, body=None, content_type=None, base=None, headers=None, timeout=30):
    hdrs = dict(headers or {})
    data = body.encode() if isinstance(body, str) else body
    if content_type:
        hdrs["Content-Type"] = content_type
    req = urllib.request.Request((base or BASE) + path, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Answer(r.status, r.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.read())


def q(value):
    return urllib.parse.quote(value, safe="")


def flow_answer(ns, flow_id):
    return call("GET", f"/api/v1/flows/{q(ns)}/{q(flow_id)}?source=true")


def ns_file(ns, path):
    return call("GET", f"/api/v1/namespaces/{q(ns)}/files?path={q(path)}")


def execution(eid):
    return call("GET", f"/api/v1/executions/{q(eid)}").json or {}


def task_run(doc, task_id):
    for tr in (doc or {}).get("taskRunList") or []:
        if tr.get("taskId") == task_id:
            return tr
    return None


# --------------------------------------------------------------------------- the CLI

class Ran:
    def __init__(self, args, rc, out, err, took):
        self.args, self.rc, self.out, self.err, self.took = args, rc, out, err, took

    def __repr__(self):
        return (f"`floe {' '.join(self.args)}` exit {self.rc}; stdout: {self.out[-1500:]!r}; "
                f"stderr: {self.err[-800:]!r}")


def base_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLOE_SERVER", "FLOE_TOKEN", "FLOE_HOME", "FLOE_FLOWS", "FLOE_STORAGE")}
    env["TZ"] = "UTC"
    return env


def floe(*args, server=True, env=None, timeout=60, stdin=None):
    """Runs the CLI; `server`: FLOE_SERVER is set to the test's server."""
    e = base_env()
    if server:
        e["FLOE_SERVER"] = BASE
    e.update(env or {})
    t0 = time.time()
    try:
        p = subprocess.run([FLOE, *args], cwd=WORK, env=e, capture_output=True, text=True, timeout=timeout,
                           input=stdin)
        return Ran(list(args), p.returncode, p.stdout, p.stderr, time.time() - t0)
    except subprocess.TimeoutExpired as x:
        return Ran(list(args), None, (x.stdout or b"").decode() if isinstance(x.stdout, bytes) else (x.stdout or ""),
                   "timed out", time.time() - t0)


def local(*args):
    """The same command run locally on the server's home (no FLOE_SERVER)."""
    return floe("--home", HOME, *args, server=False)


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def plan_lines(out):
    return sorted(l for l in out.splitlines() if re.match(r"^[+~-] (flow|file) ", l))


def log_flow(ns, flow_id, message):
    return (f"id: {flow_id}\nnamespace: {ns}\ntasks:\n  - id: hello\n"
            f"    type: io.kestra.plugin.core.log.Log\n    message: \"{message}\"\n")


def differences(a, b):
    """The lines that differ between two outputs, as (remote, local) pairs."""
    la, lb = a.splitlines(), b.splitlines()
    out = [(x, y) for x, y in zip(la, lb) if x != y]
    if len(la) != len(lb):
        out.append((f"<{len(la)} lines>", f"<{len(lb)} lines>"))
    return out


# Task runs as `executions show` prints them: "  TASK  STATE  DURATION  TYPE".
TASK_LINE = re.compile(r"^(  \S+\s+[A-Z]+\s+[0-9.]+ m?s)  (\S*)$")


def without_task_types(text):
    """`executions show` text or --json with the task type blanked."""
    lines = []
    for line in text.splitlines():
        m = TASK_LINE.match(line)
        if m:
            line = m.group(1) + "  "
        line = re.sub(r'^(\s+"type": )".*"(,?)$', r'\1""\2', line)
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- 1

def test_deploy_folder():
    section("1. floe deploy DIR: plan, dry run, create, no-op, change, delete, scope, broken")
    src = os.path.join(WORK, "repo_folder")
    one = log_flow("co.team", "one", "one v1")
    two = log_flow("co.team", "two", "two")
    three = "# the other namespace\n" + log_flow("other.ns", "three", "three")
    write(f"{src}/a/deep/one.yml", one)
    write(f"{src}/a/two.yml", two)
    write(f"{src}/three.yaml", three)
    write(f"{src}/_skip/bad.yml", "this is: [not valid\n")
    write(f"{src}/.hidden/bad.yml", "id: hidden\nnamespace: co.team\ntasks: [\n")
    sql = b"select 1;\n\x00\xff\xfe binary\r\n"
    write(f"{src}/_files/co.team/q/a.sql", sql, "wb")
    write(f"{src}/_files/other.ns/readme.md", "# other\n")

    r = floe("deploy", src, "--dry-run")
    want = sorted(["+ flow co.team/one", "+ flow co.team/two", "+ flow other.ns/three",
                   "+ file co.team:/q/a.sql", "+ file other.ns:/readme.md"])
    check(r.rc == 0 and plan_lines(r.out) == want,
          f"deploy --dry-run prints the plan {want} (skipping _skip/ and .hidden/): {r!r}")
    check("dry run" in r.out and "5 to add, 0 to change, 0 to delete" in r.out,
          f"...and its summary says dry run, 5 to add: {r!r}")
    a = call("GET", "/api/v1/flows/search?size=100")
    check(a.status == 200 and (a.json or {}).get("total") == 0, f"...and the server has no flow after it: {a!r}")
    check(ns_file("co.team", "/q/a.sql").status == 404, "...nor the namespace file")

    r = floe("deploy", src)
    check(r.rc == 0 and plan_lines(r.out) == want and "5 to add, 0 to change, 0 to delete" in r.out
          and "deployed to " + BASE in r.out, f"deploy DIR creates the 5: {r!r}")
    for ns, fid, source in [("co.team", "one", one), ("co.team", "two", two), ("other.ns", "three", three)]:
        a = flow_answer(ns, fid)
        check(a.status == 200 and (a.json or {}).get("source") == source,
              f"GET /api/v1/flows/{ns}/{fid}?source=true holds the file's source as written: {a!r}")
    a = ns_file("co.team", "/q/a.sql")
    check(a.status == 200 and a.body == sql, f"the namespace file co.team:/q/a.sql downloads byte-identical: {a!r}")
    a = ns_file("other.ns", "/readme.md")
    check(a.status == 200 and a.body == b"# other\n", f"other.ns:/readme.md downloads: {a!r}")
    a = call("GET", "/api/v1/flows/search?size=100")
    check((a.json or {}).get("total") == 3, f"exactly the 3 flows are on the server: {a!r}")

    r = floe("deploy", src)
    check(r.rc == 0 and not plan_lines(r.out) and "0 to add, 0 to change, 0 to delete" in r.out
          and "5 unchanged" in r.out and "deployed" not in r.out,
          f"a second deploy of the same folder changes nothing: {r!r}")

    # Edit one, remove one, add a file.
    one2 = one.replace("one v1", "one v2")
    write(f"{src}/a/deep/one.yml", one2)
    os.remove(f"{src}/a/two.yml")
    write(f"{src}/_files/co.team/new.txt", "new file\n")
    r = floe("deploy", src)
    check(r.rc == 0 and plan_lines(r.out) == ["+ file co.team:/new.txt", "~ flow co.team/one"],
          f"edit + remove + new file: the plan is `~ flow co.team/one`, `+ file co.team:/new.txt`, no `-`: {r!r}")
    check("1 to add, 1 to change, 0 to delete" in r.out and re.search(r"1 on the server but not in the source \(kept", r.out),
          f"...the summary counts them and says the removed flow is kept (no --delete): {r!r}")
    a = flow_answer("co.team", "one")
    check((a.json or {}).get("source") == one2 and (a.json or {}).get("revision") == 2,
          f"co.team/one is revision 2 with the edited source: {a!r}")
    check(flow_answer("co.team", "two").status == 200, "without --delete, co.team/two stays on the server")
    check(ns_file("co.team", "/new.txt").body == b"new file\n", "co.team:/new.txt was uploaded")

    os.remove(f"{src}/_files/co.team/q/a.sql")
    r = floe("deploy", src, "--delete", "--dry-run")
    check(r.rc == 0 and plan_lines(r.out) == ["- file co.team:/q/a.sql", "- flow co.team/two"]
          and "0 to add, 0 to change, 2 to delete" in r.out,
          f"deploy --delete --dry-run plans `- flow co.team/two` and `- file co.team:/q/a.sql`: {r!r}")
    check(flow_answer("co.team", "two").status == 200 and ns_file("co.team", "/q/a.sql").status == 200,
          "...and deletes nothing")
    r = floe("deploy", src, "--delete")
    check(r.rc == 0 and "2 to delete" in r.out and "kept" not in r.out, f"deploy --delete deletes the 2: {r!r}")
    a = flow_answer("co.team", "two")
    check(a.status == 404, f"GET /api/v1/flows/co.team/two is a 404 after deploy --delete: {a!r}")
    a = ns_file("co.team", "/q/a.sql")
    check(a.status == 404, f"the removed namespace file is gone: {a!r}")
    a = call("GET", "/api/v1/flows/co.team/two/revisions")
    revs = a.json if isinstance(a.json, list) else []
    check(a.status == 200 and len(revs) >= 2 and revs[-1].get("deleted") is True
          and not any(r.get("deleted") for r in revs[:-1]),
          f"co.team/two's revision history ends with a deleted revision: {a!r}")
    check(flow_answer("other.ns", "three").status == 200, "other.ns/three was not touched")

    # --namespace: only that scope, both ways.
    a = call("POST", "/api/v1/flows", log_flow("outside.ns", "keep", "keep"), "application/x-yaml")
    check(a.status == 200, f"a flow of a namespace the folder does not hold, made through the API: {a!r}")
    os.remove(f"{src}/three.yaml")
    write(f"{src}/four.yml", log_flow("other.ns", "four", "four"))
    write(f"{src}/a/five.yml", log_flow("co.team", "five", "five"))
    r = floe("deploy", src, "--namespace", "co.team", "--delete")
    check(r.rc == 0 and plan_lines(r.out) == ["+ flow co.team/five"],
          f"deploy --namespace co.team --delete plans co.team's change only (not other.ns/four nor "
          f"other.ns/three's removal): {r!r}")
    check(flow_answer("co.team", "five").status == 200, "co.team/five deployed")
    check(flow_answer("other.ns", "four").status == 404, "other.ns/four, out of --namespace, is not deployed")
    check(flow_answer("other.ns", "three").status == 200,
          "other.ns/three, out of --namespace, is not deleted by --delete")
    check(flow_answer("outside.ns", "keep").status == 200, "outside.ns/keep is not deleted")
    r = floe("deploy", src, "--delete")
    check(r.rc == 0 and plan_lines(r.out) == ["+ flow other.ns/four", "- flow other.ns/three"],
          f"deploy --delete of the whole folder: + other.ns/four, - other.ns/three: {r!r}")
    check(flow_answer("other.ns", "three").status == 404 and flow_answer("other.ns", "four").status == 200,
          "...done on the server")
    check(flow_answer("outside.ns", "keep").status == 200,
          "a namespace the folder holds nothing of is out of scope: outside.ns/keep survives --delete")

    # A broken flow: nothing is deployed.
    before = (call("GET", "/api/v1/flows/search?size=100").json or {}).get("total")
    write(f"{src}/a/six.yml", log_flow("co.team", "six", "six"))
    write(f"{src}/zz/broken.yml", "id: broken\nnamespace: co.team\ntasks:\n  - id: hello\n"
                                  "    type: io.kestra.plugin.core.log.Lgo\n    message: hi\n")
    r = floe("deploy", src)
    check(r.rc not in (0, None) and re.search(r"broken\.yml:5:11", r.err) and "Lgo" in r.err,
          f"a folder with a broken flow: non-zero exit, an error at broken.yml:5:11 naming the type: {r!r}")
    check(flow_answer("co.team", "six").status == 404, "...and the good new flow co.team/six is not deployed")
    after = (call("GET", "/api/v1/flows/search?size=100").json or {}).get("total")
    check(before == after, f"...nor anything else ({before} flows before, {after} after)")


# --------------------------------------------------------------------------- 2

def git(*args, cwd=None):
    env = base_env()
    env.update({"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_AUTHOR_NAME": "floe test", "GIT_AUTHOR_EMAIL": "test@floe.invalid",
                "GIT_COMMITTER_NAME": "floe test", "GIT_COMMITTER_EMAIL": "test@floe.invalid"})
    p = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    check(p.returncode == 0, f"git {' '.join(args)}: {p.stderr}")
    return p.stdout.strip()


def test_deploy_git():
    section("2. floe deploy GIT_URL: file://, a bare clone's path, --branch")
    if shutil.which("git") is None:
        check(False, "the git CLI is needed to make the test repository")
        return
    repo = os.path.join(WORK, "gitrepo")
    os.makedirs(repo)
    git("init", "-q", "-b", "main", cwd=repo)
    write(f"{repo}/flows/g1.yml", log_flow("git.ns", "g1", "from main"))
    write(f"{repo}/_files/git.ns/readme.txt", "hello from git\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "main", cwd=repo)
    main_sha = git("rev-parse", "HEAD", cwd=repo)
    git("checkout", "-q", "-b", "feature", cwd=repo)
    write(f"{repo}/flows/g2.yml", log_flow("git.ns", "g2", "from feature"))
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "feature", cwd=repo)
    feature_sha = git("rev-parse", "HEAD", cwd=repo)
    git("checkout", "-q", "main", cwd=repo)
    bare = os.path.join(WORK, "bare.git")
    git("clone", "-q", "--bare", repo, bare)

    r = floe("deploy", "file://" + repo)
    check(r.rc == 0 and f"at {main_sha}" in r.out
          and plan_lines(r.out) == ["+ file git.ns:/readme.txt", "+ flow git.ns/g1"],
          f"deploy file://REPO clones the default branch (main at {main_sha}) and adds g1 and readme.txt: {r!r}")
    check(flow_answer("git.ns", "g1").status == 200 and flow_answer("git.ns", "g2").status == 404,
          "g1 is on the server, g2 (feature only) is not")
    check(ns_file("git.ns", "/readme.txt").body == b"hello from git\n", "git.ns:/readme.txt downloads")

    r = floe("deploy", bare)
    check(r.rc == 0 and "cloned" in r.out and "0 to add, 0 to change, 0 to delete, 2 unchanged" in r.out,
          f"deploy BARE_CLONE_PATH (a plain path) clones it: main, already deployed, 2 unchanged: {r!r}")
    r = floe("deploy", bare, "--branch", "feature")
    check(r.rc == 0 and f"at {feature_sha}" in r.out and plan_lines(r.out) == ["+ flow git.ns/g2"],
          f"deploy BARE_CLONE_PATH --branch feature adds g2: {r!r}")
    if flow_answer("git.ns", "g2").status != 200:
        # Still cover --branch, through a file:// URL of the bare clone.
        r = floe("deploy", "file://" + bare, "--branch", "feature")
        check(r.rc == 0 and f"at {feature_sha}" in r.out and plan_lines(r.out) == ["+ flow git.ns/g2"],
              f"deploy file://BARE --branch feature adds g2: {r!r}")
    a = flow_answer("git.ns", "g2")
    check(a.status == 200 and "from feature" in (a.json or {}).get("source", ""), f"g2 from the branch feature: {a!r}")
    r = floe("deploy", "file://" + bare, "--branch", "nope")
    check(r.rc not in (0, None) and "nope" in r.err and "feature" in r.err and "main" in r.err,
          f"--branch nope: non-zero, naming the branches there: {r!r}")


# --------------------------------------------------------------------------- 3

RUNME = """id: runme
namespace: cli.run
inputs:
  - id: name
    type: STRING
  - id: f
    type: FILE
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }} (GREETING)"
  - id: show
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      data.txt: "{{ read(inputs.f) }}"
    commands:
      - cat data.txt
      - test "{{ inputs.name }}" != fail
"""

SLOW = """id: slow
namespace: cli.run
tasks:
  - id: tick
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - for i in 1 2 3 4; do echo "tick $i"; sleep 0.35; done
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: finished
"""

SLEEPER = """id: sleeper
namespace: cli.run
tasks:
  - id: nap
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - sleep 60
"""

FLAKY = """id: flaky
namespace: cli.run
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.id }}"
  - id: check
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - test -f MARKER
      - echo "marker found"
"""

NIGHTLY = """id: nightly
namespace: cli.trig
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: nightly
triggers:
  - id: every_night
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 3 * * *"
"""


def execution_id(out):
    m = re.match(r"execution (\S+)  ", out)
    return m.group(1) if m else None


def compare_local(args, what):
    """`floe ARGS` against the server and on its home: the same output."""
    remote, loc = floe(*args), local(*args)
    check(remote.rc == 0 and loc.rc == 0, f"{what}: both succeed: remote {remote!r} / local {loc!r}")
    diff = differences(remote.out, loc.out)
    check(not diff, f"`floe {' '.join(args)}` prints the same against the server as locally on its home; "
                    f"differs (remote, local): {diff[:6]}")
    return remote, loc


def test_client_run():
    section("3a. floe run / executions / logs against the server")
    flows = os.path.join(WORK, "cli")
    runme = os.path.join(flows, "runme.yml")
    write(runme, RUNME)
    data = os.path.join(WORK, "data in.txt")
    write(data, "line one\nsecond line, ünïcode\n")

    r = floe("run", runme, "-i", "name=world", "-i", f"f={data}")
    ok_id = execution_id(r.out)
    check(r.rc == 0 and ok_id, f"floe run FILE (FLOE_SERVER) exits 0 on SUCCESS: {r!r}")
    check(re.search(r"INFO  greet +hello world \(GREETING\)", r.out) and "line one" in r.out
          and "second line, ünïcode" in r.out,
          f"...printing the log lines, the FILE input's content (uploaded) among them: {r!r}")
    check(re.search(rf"\nexecution {ok_id}  cli\.run\.runme  SUCCESS in ", r.out or "")
          and re.search(r"\n  show +SUCCESS", r.out), f"...then the summary with its task runs: {r!r}")
    a = flow_answer("cli.run", "runme")
    check(a.status == 200 and (a.json or {}).get("source") == RUNME,
          f"the run saved the flow on the server (GET /api/v1/flows/cli.run/runme): {a!r}")
    check((execution(ok_id).get("state") or {}).get("current") == "SUCCESS", "the API has the execution SUCCESS")

    # The flow file changed: the server's flow is updated (revision 2); --server instead of FLOE_SERVER.
    write(runme, RUNME.replace("GREETING", "CHANGED"))
    r = floe("--server", BASE, "run", runme, "-i", "name=fail", "-i", f"f={data}", server=False)
    failed_id = execution_id(r.out)
    check(r.rc == 1 and failed_id and re.search(rf"\nexecution {failed_id}  cli\.run\.runme  FAILED in ", r.out),
          f"floe --server URL run FILE exits 1 on FAILED with the summary: {r!r}")
    check(re.search(r"ERROR show +commands exited with code 1", r.out) and "hello fail (CHANGED)" in r.out,
          f"...printing the failing task's error and the new message: {r!r}")
    a = flow_answer("cli.run", "runme")
    check((a.json or {}).get("revision") == 2 and "CHANGED" in (a.json or {}).get("source", ""),
          f"the edited flow file became revision 2 on the server: {a!r}")

    r = floe("run", runme, "-i", "name=x")
    check(r.rc not in (0, None) and "'f'" in r.err and "422" in r.err,
          f"a missing FILE input: non-zero, the server's message (422) names it: {r!r}")
    SHARED["ok_id"], SHARED["failed_id"] = ok_id, failed_id

    # executions list / show / show --json / logs: the same as the local CLI on the server's home.
    for args in (["executions", "list"], ["executions", "list", "--json"],
                 ["executions", "list", "--state", "FAILED"], ["executions", "list", "--namespace", "cli.run"]):
        compare_local(args, " ".join(args))
    type_diffs = []
    for eid in (ok_id, failed_id):
        if not eid:
            continue
        for args in (["executions", "show", eid[:16]], ["executions", "show", eid, "--json"]):
            remote, loc = floe(*args), local(*args)
            check(remote.rc == 0 and loc.rc == 0, f"{args}: both succeed: {remote!r} / {loc!r}")
            rest = differences(without_task_types(remote.out), without_task_types(loc.out))
            check(not rest, f"`floe {' '.join(args)}` remote and local differ beyond the task type: {rest[:6]}")
            type_diffs += [(" ".join(args),) + d for d in differences(remote.out, loc.out)]
        compare_local(["logs", eid], f"logs {eid}")
    check(not type_diffs, "`floe executions show ID [--json]` against the server prints each task run's type "
                          "(its last column; \"type\" in JSON) as the local CLI does; (command, remote, local): "
                          f"{type_diffs[:4]}")
    r = floe("executions", "show", ok_id[:4] if ok_id else "01")
    check(r.rc not in (0, None) and "several" in r.err, f"show with an ambiguous prefix is an error: {r!r}")
    r = floe("executions", "show", "01ZZZZZZZZ")
    check(r.rc not in (0, None) and "no execution" in r.err, f"show of an unknown id is an error: {r!r}")

    # logs --follow on a running execution.
    slow = os.path.join(flows, "slow.yml")
    write(slow, SLOW)
    r = floe("run", slow, "--detach")
    slow_id = r.out.strip()
    check(r.rc == 0 and re.fullmatch(r"[0-9A-Z]{26}", slow_id), f"floe run --detach prints the id: {r!r}")
    if slow_id:
        env = base_env()
        env["FLOE_SERVER"] = BASE
        t0 = time.time()
        p = subprocess.Popen([FLOE, "logs", slow_id, "--follow"], cwd=WORK, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        watchdog = threading.Timer(30, p.kill)
        watchdog.start()
        got = [(time.time() - t0, line.rstrip("\n")) for line in p.stdout]
        rc = p.wait()
        watchdog.cancel()
        state = (execution(slow_id).get("state") or {}).get("current")
        texts = [l for _, l in got]
        check(rc == 0 and [l.split()[-1] for l in texts] == ["1", "2", "3", "4", "finished"],
              f"floe logs ID --follow prints the 4 ticks and `finished`, exit 0: rc {rc} {texts} "
              f"{p.stderr.read()!r}")
        check(state == "SUCCESS", f"...and exits once the execution ended ({state})")
        if len(got) == 5:
            check(got[-1][0] - got[0][0] > 0.5,
                  f"...printing the lines as they are logged, not all at the end: {[round(t, 2) for t, _ in got]}")
        r = floe("logs", slow_id, "--follow")
        check(r.rc == 0 and r.out.strip().endswith("finished") and r.took < 10,
              f"logs --follow of an ended execution prints its lines and exits: {r!r}")

    # kill
    sleeper = os.path.join(flows, "sleeper.yml")
    write(sleeper, SLEEPER)
    r = floe("run", sleeper, "--detach")
    kid = r.out.strip()
    if check(r.rc == 0 and kid, f"a long sleep started: {r!r}"):
        time.sleep(0.5)
        r = floe("executions", "kill", kid[:18])
        check(r.rc == 0 and f"execution {kid}: KILLED" in r.out, f"floe executions kill PREFIX prints KILLED: {r!r}")
        state = (execution(kid).get("state") or {}).get("current")
        check(state == "KILLED", f"the API has it KILLED: {state}")
        r = floe("executions", "kill", kid)
        check(r.rc not in (0, None) and "409" in r.err, f"killing it again: non-zero, the server's 409: {r!r}")

    # restart a failed execution; replay from a task.
    marker = os.path.join(WORK, "marker")
    flaky = os.path.join(flows, "flaky.yml")
    write(flaky, FLAKY.replace("MARKER", marker))
    r = floe("run", flaky)
    fid = execution_id(r.out)
    check(r.rc == 1 and fid, f"flaky fails first (no marker): {r!r}")
    if fid:
        write(marker, "")
        r = floe("executions", "restart", fid)
        check(r.rc == 0 and "marker found" in r.out and re.search(rf"\nexecution {fid}  cli\.run\.flaky  SUCCESS", r.out),
              f"floe executions restart ID runs the failed task again, ends SUCCESS, exit 0: {r!r}")
        doc = execution(fid)
        check((doc.get("state") or {}).get("current") == "SUCCESS", f"the API has it SUCCESS: {doc.get('state')}")
        r = floe("executions", "replay", fid, "--task", "check")
        m = re.search(r"\nexecution (\S+)  cli\.run\.flaky  SUCCESS", r.out)
        rid = m.group(1) if m else None
        check(r.rc == 0 and rid and rid != fid, f"floe executions replay ID --task check: a new execution, SUCCESS: {r!r}")
        if rid:
            doc = execution(rid)
            first = task_run(doc, "first") or {}
            check((first.get("outputs") or {}).get("value") == fid,
                  f"the replay kept `first`'s run from the original (its output is the original's id): {first}")
            check((task_run(doc, "check") or {}).get("state", {}).get("current") == "SUCCESS", "...and ran `check`")

    # floe flows
    r = floe("flows")
    check(r.rc == 0 and re.search(r"^cli\.run\.runme +revision 2$", r.out, re.M)
          and re.search(r"^co\.team\.one +revision 2$", r.out, re.M) and re.search(r"^git\.ns\.g2 ", r.out, re.M),
          f"floe flows lists the server's flows with their revisions: {r!r}")
    SHARED["remote_list"] = floe("executions", "list", "--json").out


def trigger_disabled(ns, flow_id, trigger_id):
    a = call("GET", f"/api/v1/triggers/search?namespace={q(ns)}&flowId={q(flow_id)}")
    for item in (a.json or {}).get("results", []):
        c = item.get("triggerContext") or {}
        if c.get("triggerId") == trigger_id:
            return c.get("disabled")
    return f"no trigger in {a!r}"


def test_client_triggers():
    section("3b. floe triggers list / disable / enable against the server")
    folder = os.path.join(WORK, "trig")
    write(f"{folder}/nightly.yml", NIGHTLY)
    r = floe("deploy", folder)
    check(r.rc == 0 and "+ flow cli.trig/nightly" in r.out, f"deploy a flow with a Schedule trigger: {r!r}")
    row = None
    deadline = time.time() + 10
    while time.time() < deadline:
        r = floe("triggers", "list")
        row = next((l for l in r.out.splitlines() if "every_night" in l), None)
        if row:
            break
        time.sleep(0.2)
    check(r.rc == 0 and row and re.match(r"cli\.trig +nightly +every_night +Schedule +yes +\d{4}-\d\d-\d\dT03:00:00", row),
          f"floe triggers list shows the Schedule trigger, enabled, next at 03:00: {r!r}")

    def listing(ran):
        try:
            rows = json.loads(ran.out)
        except ValueError:
            return ran.out
        for t in rows:
            t.pop("leaseOwner", None)   # a lease comes and goes between the two calls
        return rows
    remote, loc = floe("triggers", "list", "--json"), local("triggers", "list", "--json")
    check(remote.rc == 0 and listing(remote) == listing(loc),
          f"triggers list --json is the same against the server and locally: {remote!r} / {loc!r}")

    r = floe("triggers", "disable", "cli.trig", "nightly", "every_night")
    check(r.rc == 0 and "trigger cli.trig.nightly.every_night: disabled" in r.out, f"triggers disable: {r!r}")
    d = trigger_disabled("cli.trig", "nightly", "every_night")
    check(d is True, f"GET /api/v1/triggers/search has it disabled: {d}")
    r = floe("triggers", "list")
    check(re.search(r"every_night +Schedule +no ", r.out), f"triggers list shows it disabled: {r!r}")
    r = floe("triggers", "enable", "cli.trig", "nightly", "every_night")
    check(r.rc == 0 and "enabled" in r.out, f"triggers enable: {r!r}")
    d = trigger_disabled("cli.trig", "nightly", "every_night")
    check(d is False, f"GET /api/v1/triggers/search has it enabled again: {d}")
    r = floe("triggers", "disable", "cli.trig", "nightly", "nope")
    check(r.rc not in (0, None) and "404" in r.err, f"disabling an unknown trigger: non-zero, 404: {r!r}")


# --------------------------------------------------------------------------- 4

def test_auth():
    section("4. a server with a bearer token")
    token = "s3cret-" + os.urandom(6).hex()
    r = floe("server", "hash-password", server=False, stdin=token + "\n")
    digest = r.out.strip()
    if not check(r.rc == 0 and digest.startswith("pbkdf2-"), f"floe server hash-password: {r!r}"):
        return
    cfg = os.path.join(WORK, "auth.yml")
    write(cfg, f'server:\n  tokens:\n    - "{digest}"\n')
    server, url = start_server("auth", ["--config", cfg])
    try:
        if not check(url, "the server with a token started"):
            return
        flows = os.path.join(WORK, "authflows")
        write(f"{flows}/a.yml", log_flow("auth.ns", "a", "secured"))
        good = {"FLOE_SERVER": url, "FLOE_TOKEN": token}
        r = floe("deploy", flows, env=good)
        check(r.rc == 0 and "+ flow auth.ns/a" in r.out, f"deploy with FLOE_TOKEN: {r!r}")
        r = floe("flows", env=good)
        check(r.rc == 0 and "auth.ns.a" in r.out, f"floe flows with FLOE_TOKEN: {r!r}")
        r = floe("run", f"{flows}/a.yml", env=good)
        check(r.rc == 0 and "secured" in r.out and "SUCCESS" in r.out, f"floe run with FLOE_TOKEN: {r!r}")
        for args in (["flows"], ["executions", "list"], ["deploy", flows], ["run", f"{flows}/a.yml"],
                     ["triggers", "list"]):
            r = floe(*args, env={"FLOE_SERVER": url})
            check(r.rc not in (0, None) and "401" in r.err and "error:" in r.err,
                  f"`floe {' '.join(args)}` without FLOE_TOKEN: non-zero, an error naming HTTP 401: {r!r}")
        r = floe("executions", "list", env={"FLOE_SERVER": url, "FLOE_TOKEN": "wrong"})
        check(r.rc not in (0, None) and "401" in r.err, f"a wrong FLOE_TOKEN: non-zero, 401: {r!r}")
    finally:
        stop_server(server)


# --------------------------------------------------------------------------- 5

def test_errors():
    section("5. errors: a closed port, a command that needs the home")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    for args in (["flows"], ["executions", "list"], ["deploy", WORK + "/trig"]):
        r = floe("--server", closed, *args, server=False)
        check(r.rc not in (0, None) and "cannot reach" in r.err and closed in r.err and r.took < 15,
              f"`floe --server {closed} {' '.join(args)}`: a clear 'cannot reach' error, non-zero: {r!r}")
    r = floe("executions", "recover", "--server", BASE, server=False)
    check(r.rc not in (0, None) and "not against a server" in r.err,
          f"floe executions recover --server URL is refused, saying why: {r!r}")
    r = floe("executions", "recover")
    check(r.rc not in (0, None) and "not against a server" in r.err,
          f"floe executions recover with FLOE_SERVER set is refused: {r!r}")
    r = floe("deploy", WORK + "/trig", server=False)
    check(r.rc not in (0, None) and "needs a server" in r.err, f"floe deploy without a server: {r!r}")


# --------------------------------------------------------------------------- the server

def start_server(name, extra=()):
    """`floe server` with a fresh home; (process, base URL or None)."""
    home, flows = os.path.join(WORK, name, "home"), os.path.join(WORK, name, "flows")
    os.makedirs(flows)
    err = open(os.path.join(WORK, name, "server.err"), "w")
    server = subprocess.Popen([FLOE, "server", "--home", home, "--flows", flows, "--port", "0", *extra],
                              cwd=WORK, env=base_env(), stdout=subprocess.PIPE, stderr=err, text=True)
    url = None
    deadline = time.time() + 30
    while time.time() < deadline and url is None:
        line = server.stdout.readline()
        if not line:
            break
        m = re.search(r"floe server listening on (http://127\.0\.0\.1:\d+)", line)
        if m:
            url = m.group(1)
    out = open(os.path.join(WORK, name, "server.out"), "w")
    threading.Thread(target=lambda: shutil.copyfileobj(server.stdout, out), daemon=True).start()
    while url and time.time() < deadline:
        try:
            if call("GET", "/health/readiness", base=url, timeout=5).status == 200:
                return server, url
        except OSError:
            pass
        time.sleep(0.05)
    return server, None


def stop_server(server):
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return True
    return False


def main():
    global FLOE, WORK, BASE, HOME
    if len(sys.argv) != 2:
        sys.exit("usage: cli_remote.py FLOE_BINARY")
    FLOE = os.path.abspath(sys.argv[1])
    WORK = tempfile.mkdtemp(prefix="floe_cli_remote_")
    HOME = os.path.join(WORK, "main", "home")
    server = None
    began = time.time()
    try:
        server, BASE = start_server("main")
        if BASE is None:
            with open(os.path.join(WORK, "main", "server.err")) as f:
                check(False, "floe server did not start and get ready: " + f.read()[-2000:])
        else:
            for test in [test_deploy_folder, test_deploy_git, test_client_run, test_client_triggers, test_auth,
                         test_errors]:
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
            if server.poll() is None:
                section("6. after the server stopped: the local CLI reads what the server wrote")
                stop_server(server)
                check(server.returncode == 0, f"the server stopped cleanly on SIGTERM (status {server.returncode})")
                r = local("executions", "list", "--json")
                check(r.rc == 0 and r.out == SHARED.get("remote_list"),
                      f"executions list --json on the stopped server's home is what the server listed: {r!r}")
                if SHARED.get("ok_id"):
                    r = local("executions", "show", SHARED["ok_id"])
                    check(r.rc == 0 and "SUCCESS" in r.out, f"executions show on the home: {r!r}")
    finally:
        if server and not stop_server(server) and server.returncode not in (0, None) and BASE:
            check(False, f"the server had exited with status {server.returncode}")
        if FAILURES:
            for name in ("main", "auth"):
                try:
                    with open(os.path.join(WORK, name, "server.err")) as f:
                        tail = f.read()[-3000:]
                    if tail:
                        print(f"{name} server stderr (tail):\n" + tail)
                except OSError:
                    pass
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"took {time.time() - began:.1f}s")
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed:")
        for f in FAILURES:
            print("  -", f)
        sys.exit(1)
    print("floe CLI against a server: every check passed")


if __name__ == "__main__":
    main()
