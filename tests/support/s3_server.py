#!/usr/bin/env python3
"""Starts and stops the S3 test servers: two moto_server processes on loopback.

The first verifies SigV4 signatures (INITIAL_NO_AUTH_ACTION_COUNT: its first
calls, without authentication, create an IAM user with an allow-all policy
and an access key; every later call must be signed with that key). The second
accepts any signature: moto 5's verifier rejects botocore's own correctly
signed requests when a key holds '+', '%', quotes or non-ASCII text, or a query
value holds '/', so those cases can only run against a lenient server (their
signing is covered by the botocore differential test instead).

    s3_server.py start STATE.json   # {endpoint, access_key, secret_key, lenient_endpoint,
                                    #  tls_endpoint, tls_access_key, tls_secret_key, ca_file, pids}
    s3_server.py stop STATE.json
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

NO_AUTH_CALLS = 4  # create_user, create_policy, attach_user_policy, create_access_key


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(state_path):
    # Beside this Python (a virtualenv from scripts/setup), else on the PATH.
    beside = os.path.join(os.path.dirname(sys.executable), "moto_server")
    moto = beside if os.access(beside, os.X_OK) else shutil.which("moto_server")
    if not moto:
        print("moto_server is not installed: the S3 tests need it (pip install 'moto[server]')", file=sys.stderr)
        return 2
    try:
        import boto3
    except ImportError:
        print("boto3 is not installed: the S3 test server setup needs it (pip install boto3)", file=sys.stderr)
        return 2
    procs = []

    def launch(env, log_suffix):
        port = free_port()
        log = open(state_path + log_suffix, "w")
        proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=log, stderr=log,
                                start_new_session=True)
        procs.append(proc)
        deadline = time.time() + 30
        while True:  # a TCP connect, not an HTTP call: those count against NO_AUTH_CALLS
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    for p in procs:
                        p.kill()
                    raise SystemExit(f"moto_server did not start; see {state_path}{log_suffix}")
                time.sleep(0.1)

    base = {k: v for k, v in os.environ.items() if k != "INITIAL_NO_AUTH_ACTION_COUNT"}
    endpoint = launch(dict(base, INITIAL_NO_AUTH_ACTION_COUNT=str(NO_AUTH_CALLS)), ".log")
    lenient = launch(base, ".lenient.log")
    # A third one over TLS (a self-signed certificate for localhost), also
    # verifying signatures: the HTTPS path signs UNSIGNED-PAYLOAD. The
    # certificate also names tls-bucket.localhost (virtual-hosted addressing;
    # OpenSSL refuses a *.localhost wildcard).
    cert, key_file = state_path + ".crt", state_path + ".key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,DNS:tls-bucket.localhost,IP:127.0.0.1",
                    "-keyout", key_file, "-out", cert], check=True, capture_output=True)
    port = free_port()
    log = open(state_path + ".tls.log", "w")
    proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port), "-s", "-c", cert, "-k", key_file],
                            env=dict(base, INITIAL_NO_AUTH_ACTION_COUNT=str(NO_AUTH_CALLS)), stdout=log, stderr=log,
                            start_new_session=True)
    procs.append(proc)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                for p in procs:
                    p.kill()
                raise SystemExit(f"moto_server (TLS) did not start; see {state_path}.tls.log")
            time.sleep(0.1)
    tls = f"https://localhost:{port}"
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
    with open(state_path, "w") as f:
        json.dump({"endpoint": endpoint, "access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"],
                   "lenient_endpoint": lenient, "tls_endpoint": tls, "tls_access_key": tls_key["AccessKeyId"],
                   "tls_secret_key": tls_key["SecretAccessKey"], "ca_file": cert,
                   "pids": [p.pid for p in procs]}, f)
    print(f"S3 test servers (moto): signatures verified on {endpoint} and {tls}, not verified on {lenient}")
    return 0


def stop(state_path):
    try:
        with open(state_path) as f:
            pids = json.load(f)["pids"]
    except (OSError, ValueError, KeyError):
        return 0
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for path in (state_path, state_path + ".crt", state_path + ".key"):
        if os.path.exists(path):
            os.remove(path)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(start(sys.argv[2]) if sys.argv[1] == "start" else stop(sys.argv[2]))
