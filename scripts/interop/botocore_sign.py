#!/usr/bin/env python3
"""Signs requests with botocore's own SigV4 signer (AWS-authored) and sends them.

Input (stdin), JSON:
  {"connect": "127.0.0.1:<port>", "region": "us-east-1", "service": "execute-api",
   "credentials": {"access_key_id": ..., "secret_access_key": ..., "session_token": ...},
   "requests": [{"name": ..., "method": "POST", "url": "http://<host>/<path>?<query>",
                 "body": "...", "headers": {...},
                 optional, to tamper with the request after signing:
                 "send_body": "...", "send_target": "/path?query", "send_headers": {...}}]}
Output (stdout), JSON: [{"name": ..., "status": 200, "body": "..."}], in order.

Each request is signed for its URL's host (for example `<api>.execute-api.us-east-1.amazonaws.com`)
with botocore.auth.SigV4Auth, then sent over plain HTTP to `connect` with that `Host`.
"""
import http.client
import json
import sys
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    spec = json.load(sys.stdin)
    c = spec["credentials"]
    creds = Credentials(c["access_key_id"], c["secret_access_key"], c.get("session_token"))
    signer = SigV4Auth(creds, spec.get("service", "execute-api"), spec["region"])
    host, port = spec["connect"].rsplit(":", 1)
    results = []
    for r in spec["requests"]:
        body = r.get("body", "").encode()
        req = AWSRequest(method=r["method"], url=r["url"], data=body, headers=r.get("headers", {}))
        signer.add_auth(req)
        prepared = req.prepare()
        parts = urlsplit(prepared.url)
        target = r.get("send_target") or parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in prepared.headers.items()}
        headers["Host"] = parts.netloc
        headers.update(r.get("send_headers", {}))
        sent = r["send_body"].encode() if "send_body" in r else body
        if "send_body" in r:
            headers["Content-Length"] = str(len(sent))
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request(r["method"], target, body=sent, headers=headers)
            resp = conn.getresponse()
            results.append(
                {"name": r["name"], "status": resp.status, "body": resp.read().decode("utf-8", "replace")}
            )
        finally:
            conn.close()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
