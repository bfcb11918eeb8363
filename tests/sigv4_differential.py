#!/usr/bin/env python3
"""Differential test: floe's SigV4 signer against botocore's S3 signer.

Generates 1,000 S3 requests with awkward keys (spaces, unicode, '+', '=',
'~', '//', '..', '%'), query parameters and headers, signs each with
botocore's S3SigV4Auth at a fixed time, has floe sign the same request
(tests/sigv4_tool), and requires the same URL path and the same signature.

    sigv4_differential.py path/to/sigv4_tool [count]
"""
import datetime
import json
import random
import subprocess
import sys

try:
    import botocore.auth
    import botocore.utils
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("botocore is not installed: pip install botocore (scripts/setup does)", file=sys.stderr)
    sys.exit(2)

ALPHABET = ["a", "Z", "0", " ", "+", "=", "~", "/", "//", "..", ".", "%", "&", "?", "#", "é", "ß", "中", "😀",
            "-", "_", "!", "'", "(", ")", "*", ",", ";", ":", "@", "$", "[", "]", "\\", "^", "`", "{", "}", "|"]


def awkward(rng, n):
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def main():
    tool = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = random.Random(20261127)
    fixed = datetime.datetime(2026, 11, 27, 12, 34, 56, tzinfo=datetime.timezone.utc)
    naive = fixed.replace(tzinfo=None)
    if hasattr(botocore.auth, "get_current_datetime"):  # botocore >= 1.31
        botocore.auth.get_current_datetime = lambda: naive
    else:  # older botocore (Debian 12's) reads datetime.datetime.utcnow()
        class FixedDatetime(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return naive

        class Shim:
            datetime = FixedDatetime

        botocore.auth.datetime = Shim
    cases, lines = [], []
    for i in range(count):
        bucket = rng.choice(["lake", "my-bucket", "data.example"])
        key = awkward(rng, rng.randint(1, 24))
        method = rng.choice(["GET", "PUT", "HEAD", "DELETE", "POST"])
        region = rng.choice(["us-east-1", "eu-west-3", "ap-southeast-2"])
        token = awkward(rng, 12) if i % 7 == 0 else ""
        creds = Credentials("AKID" + str(i), "secret/" + awkward(rng, 10), token or None)
        params = {}
        for _ in range(rng.randint(0, 3)):
            params[rng.choice(["prefix", "delimiter", "list-type", "continuation-token", "uploadId", "partNumber",
                               awkward(rng, 3)])] = awkward(rng, rng.randint(0, 8))
        headers = {"Host": f"127.0.0.1:{9000 + i % 3}"}
        if rng.random() < 0.3:
            headers["Content-Type"] = rng.choice(["text/csv", "application/octet-stream", "text/plain; charset=utf-8"])
        if rng.random() < 0.3:
            headers["x-amz-meta-note"] = "  " + awkward(rng, 6) + "   spaced   value "
        if rng.random() < 0.2:
            headers["Range"] = f"bytes={rng.randint(0, 99)}-{rng.randint(100, 999)}"
        body = awkward(rng, rng.randint(0, 40)).encode("utf-8") if method in ("PUT", "POST") else b""
        path = "/" + bucket + "/" + botocore.utils.percent_encode(key, safe="/~")
        request = AWSRequest(method=method, url="http://" + headers["Host"] + path, data=body, headers=headers,
                             params=params)
        botocore.auth.S3SigV4Auth(creds, "s3", region).add_auth(request)
        authorization = request.headers["Authorization"]
        signature = authorization.rsplit("Signature=", 1)[1]
        signed = authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
        sent = [[k, v if isinstance(v, str) else v.decode()] for k, v in request.headers.items()
                if k.lower() in signed]
        lines.append(json.dumps({
            "method": method, "key": "/" + bucket + "/" + key, "query": [[k, v] for k, v in params.items()],
            "headers": sent, "payload_hash": request.headers["X-Amz-Content-SHA256"],
            "epoch": int(fixed.timestamp()), "region": region, "access_key": creds.access_key,
            "secret_key": creds.secret_key, "token": token}))
        cases.append((path, signature, key))
    out = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    answers = [json.loads(l) for l in out.stdout.splitlines()]
    if len(answers) != len(cases):
        print(f"floe answered {len(answers)} of {len(cases)} requests", file=sys.stderr)
        return 1
    differ = 0
    for (path, signature, key), got in zip(cases, answers):
        if got["path"] != path or got["signature"] != signature:
            differ += 1
            if differ <= 5:
                print(f"key {key!r}: botocore {path} {signature}; floe {got['path']} {got['signature']}",
                      file=sys.stderr)
    print(f"{len(cases)} S3 requests signed by floe and botocore: {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
