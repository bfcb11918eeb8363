#!/usr/bin/env python3
"""Starts and stops the S3 test servers on loopback: moto when the machine has
it, else s3rver (npm, installed by scripts/setup into third_party/s3rver, or on
the PATH).

moto: three moto_server processes. The first verifies SigV4 signatures
(INITIAL_NO_AUTH_ACTION_COUNT: its first calls, without authentication, create
an IAM user with an allow-all policy and an access key; every later call must
be signed with that key). The second accepts any signature: moto 5's verifier
rejects botocore's own correctly signed requests when a key holds '+', '%',
quotes or non-ASCII text, or a query value holds '/', so those cases can only
run against a lenient server (their signing is covered by the botocore
differential test instead). The third serves HTTPS and verifies signatures.

s3rver: one process over HTTP (endpoint and lenient_endpoint are the same) and
one over HTTPS. s3rver checks that the access key is one it knows (S3RVER) and
that a SigV4 Authorization header is well formed, but not the signature itself:
the state says so ("verifies_signatures": false) and the tests that need a
verifier skip. Its buckets are addressed in the host name as BUCKET.s3.localhost
(its --service-endpoint), not BUCKET.localhost as with moto: the state's
vhost_endpoint names the host to put a bucket in front of.

FLOE_S3_TEST_SERVER=moto or =s3rver picks one (both must then be installed);
unset, moto is used when present.

    s3_server.py start STATE.json   # {server, verifies_signatures, endpoint, access_key, secret_key,
                                    #  lenient_endpoint, vhost_endpoint, tls_endpoint, tls_access_key,
                                    #  tls_secret_key, ca_file, pids, data_dirs}
    s3_server.py stop STATE.json
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NO_AUTH_CALLS = 4  # create_user, create_policy, attach_user_policy, create_access_key
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S3RVER = os.path.join(REPO_ROOT, "third_party", "s3rver", "node_modules", ".bin", "s3rver")
S3RVER_KEY = "S3RVER"  # the one access key s3rver knows (its secret is S3RVER too, and never checked)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_moto():
    """moto_server beside this Python (a virtualenv from scripts/setup), else on the PATH; None
    unless boto3 (which sets up moto's access key) imports too."""
    beside = os.path.join(os.path.dirname(sys.executable), "moto_server")
    moto = beside if os.access(beside, os.X_OK) else shutil.which("moto_server")
    if not moto:
        return None
    try:
        import boto3  # noqa: F401
    except ImportError:
        return None
    return moto


def find_s3rver():
    """s3rver from scripts/setup, else on the PATH (npm install -g s3rver); None without node."""
    if not shutil.which("node"):
        return None
    return S3RVER if os.access(S3RVER, os.X_OK) else shutil.which("s3rver")


def make_cert(state_path, names):
    """A self-signed certificate for the DNS names and 127.0.0.1; returns (cert, key) paths."""
    cert, key_file = state_path + ".crt", state_path + ".key"
    san = ",".join([f"DNS:{n}" for n in names] + ["IP:127.0.0.1"])
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=" + san, "-keyout", key_file, "-out", cert],
                   check=True, capture_output=True)
    return cert, key_file


class Servers:
    """The processes started so far; kills them all if one does not come up."""

    def __init__(self, state_path):
        self.state_path = state_path
        self.procs = []

    def launch(self, name, argv, port, log_suffix, env=None):
        log = open(self.state_path + log_suffix, "w")
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        self.procs.append(proc)
        deadline = time.time() + 30
        while True:  # a TCP connect, not an HTTP call: those count against moto's NO_AUTH_CALLS
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    for p in self.procs:
                        p.kill()
                    raise SystemExit(f"{name} did not start; see {self.state_path}{log_suffix}")
                time.sleep(0.1)

    def pids(self):
        return [p.pid for p in self.procs]


def start_moto(state_path, moto):
    import boto3
    servers = Servers(state_path)
    base = {k: v for k, v in os.environ.items() if k != "INITIAL_NO_AUTH_ACTION_COUNT"}
    verifying = dict(base, INITIAL_NO_AUTH_ACTION_COUNT=str(NO_AUTH_CALLS))
    port, lenient_port = free_port(), free_port()
    servers.launch("moto_server", [moto, "-H", "127.0.0.1", "-p", str(port)], port, ".log", verifying)
    servers.launch("moto_server", [moto, "-H", "127.0.0.1", "-p", str(lenient_port)], lenient_port, ".lenient.log",
                   base)
    # Over TLS (a self-signed certificate for localhost), also verifying
    # signatures: the HTTPS path signs UNSIGNED-PAYLOAD. The certificate also
    # names tls-bucket.localhost (virtual-hosted addressing; OpenSSL refuses a
    # *.localhost wildcard).
    cert, key_file = make_cert(state_path, ["localhost", "tls-bucket.localhost"])
    tls_port = free_port()
    servers.launch("moto_server (TLS)", [moto, "-H", "127.0.0.1", "-p", str(tls_port), "-s", "-c", cert, "-k", key_file],
                   tls_port, ".tls.log", verifying)
    endpoint, tls = f"http://127.0.0.1:{port}", f"https://localhost:{tls_port}"

    def access_key(url, verify):
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup",
                           aws_secret_access_key="setup", verify=verify)
        iam.create_user(UserName="floe")
        policy = iam.create_policy(PolicyName="allow-all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        iam.attach_user_policy(UserName="floe", PolicyArn=policy["Policy"]["Arn"])
        return iam.create_access_key(UserName="floe")["AccessKey"]

    key = access_key(endpoint, True)
    tls_key = access_key(tls, cert)
    lenient = f"http://127.0.0.1:{lenient_port}"
    state = {"server": "moto", "verifies_signatures": True, "endpoint": endpoint, "access_key": key["AccessKeyId"],
             "secret_key": key["SecretAccessKey"], "lenient_endpoint": lenient,
             "vhost_endpoint": f"http://localhost:{port}", "tls_endpoint": tls,
             "tls_access_key": tls_key["AccessKeyId"], "tls_secret_key": tls_key["SecretAccessKey"], "ca_file": cert,
             "pids": servers.pids(), "data_dirs": []}
    print(f"S3 test servers (moto): signatures verified on {endpoint} and {tls}, not verified on {lenient}")
    return state


def start_s3rver(state_path, s3rver):
    servers = Servers(state_path)
    # s3rver keeps objects as files: in a fresh folder per server, removed by stop.
    data, tls_data = tempfile.mkdtemp(prefix="floe-s3rver-"), tempfile.mkdtemp(prefix="floe-s3rver-tls-")
    common = ["-a", "127.0.0.1", "--service-endpoint", "localhost"]
    # Its ListObjectsV2 continuation tokens are DES-encrypted, which OpenSSL 3
    # keeps in its legacy provider.
    env = dict(os.environ, NODE_OPTIONS=(os.environ.get("NODE_OPTIONS", "") + " --openssl-legacy-provider").strip())
    port, tls_port = free_port(), free_port()
    servers.launch("s3rver", [s3rver, "-d", data, "-p", str(port)] + common, port, ".log", env)
    # OpenSSL refuses a *.s3.localhost wildcard: the TLS test's bucket is named.
    cert, key_file = make_cert(state_path, ["localhost", "s3.localhost", "tls-bucket.s3.localhost"])
    servers.launch("s3rver (TLS)", [s3rver, "-d", tls_data, "-p", str(tls_port), "--cert", cert, "--key", key_file]
                   + common, tls_port, ".tls.log", env)
    endpoint, tls = f"http://127.0.0.1:{port}", f"https://s3.localhost:{tls_port}"
    state = {"server": "s3rver", "verifies_signatures": False, "endpoint": endpoint, "access_key": S3RVER_KEY,
             "secret_key": S3RVER_KEY, "lenient_endpoint": endpoint,
             "vhost_endpoint": f"http://s3.localhost:{port}", "tls_endpoint": tls, "tls_access_key": S3RVER_KEY,
             "tls_secret_key": S3RVER_KEY, "ca_file": cert, "pids": servers.pids(), "data_dirs": [data, tls_data]}
    print(f"S3 test servers (s3rver): {endpoint} and {tls}; signatures NOT verified (the tests that need it skip)")
    return state


def start(state_path):
    choice = os.environ.get("FLOE_S3_TEST_SERVER", "")
    if choice not in ("", "moto", "s3rver"):
        print(f"FLOE_S3_TEST_SERVER={choice}: expected moto or s3rver", file=sys.stderr)
        return 2
    moto = find_moto() if choice in ("", "moto") else None
    s3rver = find_s3rver() if choice in ("", "s3rver") and not moto else None
    if moto:
        state = start_moto(state_path, moto)
    elif s3rver:
        state = start_s3rver(state_path, s3rver)
    else:
        print("no S3 test server: the S3 tests need moto_server and boto3 (pip install 'moto[server]'), or s3rver "
              f"in {os.path.dirname(os.path.dirname(os.path.dirname(S3RVER)))} with node (scripts/setup installs it "
              "with npm)" + (f" (FLOE_S3_TEST_SERVER={choice})" if choice else ""), file=sys.stderr)
        return 2
    with open(state_path, "w") as f:
        json.dump(state, f)
    return 0


def stop(state_path):
    try:
        with open(state_path) as f:
            state = json.load(f)
    except (OSError, ValueError):
        return 0
    for pid in state.get("pids", []):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for path in state.get("data_dirs", []):
        shutil.rmtree(path, ignore_errors=True)
    for path in (state_path, state_path + ".crt", state_path + ".key"):
        if os.path.exists(path):
            os.remove(path)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(start(sys.argv[2]) if sys.argv[1] == "start" else stop(sys.argv[2]))
