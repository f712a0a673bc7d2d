#!/usr/bin/env python3
"""Generate tests/data/sigv4_vectors.json with botocore as the SigV4 oracle.

Usage:
    python3 scripts/gen_sigv4_vectors.py           # (re)write the committed JSON
    python3 scripts/gen_sigv4_vectors.py --check   # regenerate in memory, diff, exit 1 on change

Runs offline with the machine's botocore. Time is frozen by patching
`botocore.auth.get_current_datetime` (botocore >= 1.32 reads "now" through that function, which
`SigV4Auth.add_auth` and `SigV4QueryAuth` call), so the output is deterministic.

Each vector gives the request exactly as it goes on the wire (`url`: raw path and raw query) and
botocore's canonical request, string to sign, signature and resulting headers or presigned URL.
`input_url`, when present, is what a caller handed to the Rust signer before it rewrote the query
into canonical form (see `canonical_query` below and src/signing.rs): botocore signs the raw query
as-is, so the Rust signer puts the query on the wire in canonical encoding, and botocore signs that
wire form.

Bodies are described by a recipe (`body_bytes` builds them; tests/signing_vectors.rs builds the
same bytes) so that the 1 MiB body is not stored inline.
"""

import argparse
import datetime
import difflib
import hashlib
import json
import os
import sys
from unittest import mock
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

import botocore
import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "sigv4_vectors.json")

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
# A token with '/', '+' and '=' so presigned URLs must encode it.
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+with/slashes+and+plus=="
    "AQoDYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN="
)
OTHER_ACCESS_KEY = "ASIAEXAMPLEOTHERKEY1"
OTHER_SECRET_KEY = "de7f1c5e+Secret/With=Odd+Chars0123456789ab"

T1 = datetime.datetime(2026, 1, 15, 12, 34, 56)
T2 = datetime.datetime(2025, 12, 31, 23, 59, 59)  # one second before a date (scope) change

API = "https://abc123defg.execute-api.us-east-1.amazonaws.com"
API_EU = "https://zyx987wvut.execute-api.eu-west-2.amazonaws.com"
STS = "https://sts.eu-west-2.amazonaws.com"
LAMBDA = "https://lambda.us-east-1.amazonaws.com"


def body_bytes(recipe):
    """The body bytes a recipe describes (mirrored in tests/signing_vectors.rs)."""
    kind = recipe["kind"]
    if kind == "empty":
        return b""
    if kind == "utf8":
        return recipe["text"].encode("utf-8")
    if kind == "hex":
        return bytes.fromhex(recipe["hex"])
    if kind == "repeat_bytes":
        # byte i = (seed + 31*i + (i >> 8)) mod 256: cheap, deterministic, not a short period.
        seed, n = recipe["seed"], recipe["len"]
        return bytes(((seed + 31 * i + (i >> 8)) & 0xFF) for i in range(n))
    raise ValueError(f"unknown body kind {kind}")


UNRESERVED = "-_.~"


def canonical_query(raw):
    """The query as the Rust signer puts it on the wire (mirrors src/signing.rs).

    Each `&`-separated, non-empty segment is split at the first `=`; key and value are
    percent-decoded once (a literal `+` stays a plus: RFC 3986, not HTML forms) and re-encoded
    with everything but `A-Z a-z 0-9 - _ . ~` as uppercase `%XX`. Order is kept; a segment
    without `=` stays without one. Already-canonical queries come out unchanged.
    """
    out = []
    for seg in raw.split("&"):
        if not seg:
            continue
        key, eq, value = seg.partition("=")
        enc_k = quote(unquote_to_bytes(key), safe=UNRESERVED)
        if eq:
            out.append(f"{enc_k}={quote(unquote_to_bytes(value), safe=UNRESERVED)}")
        else:
            out.append(enc_k)
    return "&".join(out)


def wire_url(input_url):
    parts = urlsplit(input_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, canonical_query(parts.query), ""))


def frozen_time(frozen):
    """Freeze botocore's notion of now.

    botocore >= 1.32 reads it through `botocore.auth.get_current_datetime`; older releases
    called `datetime.datetime.utcnow()` inside `botocore.auth`.
    """
    if hasattr(botocore.auth, "get_current_datetime"):
        return mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: frozen)
    fake = mock.MagicMock(wraps=datetime)
    fake.datetime = mock.MagicMock(wraps=datetime.datetime)
    fake.datetime.utcnow.return_value = frozen
    fake.datetime.now.return_value = frozen
    return mock.patch.object(botocore.auth, "datetime", fake)


def run_botocore(v):
    """Sign one vector with botocore; return its outputs."""
    frozen = datetime.datetime.strptime(v["time"], "%Y%m%dT%H%M%SZ")
    creds = Credentials(v["access_key"], v["secret_key"], v.get("session_token"))
    data = body_bytes(v["body"])
    req = AWSRequest(method=v["method"], url=v["url"], data=data if data else None)
    for name, value in v["headers"]:
        req.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
    captured = {}
    with frozen_time(frozen):
        if v["mode"] == "header":
            signer = SigV4Auth(creds, v["service"], v["region"])
        else:
            signer = SigV4QueryAuth(creds, v["service"], v["region"], expires=v["expires"])
        # Record the intermediate strings add_auth computes (instance attributes shadow the
        # methods add_auth calls through self).
        cr_fn, sts_fn = signer.canonical_request, signer.string_to_sign

        def canonical_request(r):
            captured["canonical_request"] = cr_fn(r)
            return captured["canonical_request"]

        def string_to_sign(r, creq):
            captured["string_to_sign"] = sts_fn(r, creq)
            return captured["string_to_sign"]

        signer.canonical_request = canonical_request
        signer.string_to_sign = string_to_sign
        signer.add_auth(req)
    out = {
        "canonical_request": captured["canonical_request"],
        "string_to_sign": captured["string_to_sign"],
    }
    if v["mode"] == "header":
        auth = req.headers["Authorization"]
        out["signature"] = auth.rsplit("Signature=", 1)[1]
        final = {"Authorization": auth, "X-Amz-Date": req.headers["X-Amz-Date"]}
        for h in ("X-Amz-Security-Token", "X-Amz-Content-SHA256"):
            if h in req.headers:
                final[h] = req.headers[h]
        out["headers"] = final
    else:
        out["signature"] = req.url.rsplit("X-Amz-Signature=", 1)[1]
        out["presigned_url"] = req.url
    return out


def vec(name, url, *, method="GET", headers=(), body=None, region="us-east-1",
        service="execute-api", token=True, time=T1, mode="header", expires=None,
        key=ACCESS_KEY, secret=SECRET_KEY, note=None):
    wire = wire_url(url)
    v = {"name": name}
    if note:
        v["note"] = note
    v["method"] = method
    v["url"] = wire
    if wire != url:
        v["input_url"] = url
    v["headers"] = [list(h) for h in headers]
    v["body"] = body or {"kind": "empty"}
    v["region"] = region
    v["service"] = service
    v["access_key"] = key
    v["secret_key"] = secret
    if token:
        v["session_token"] = SESSION_TOKEN
    v["time"] = time.strftime("%Y%m%dT%H%M%SZ")
    v["epoch_seconds"] = int(time.replace(tzinfo=datetime.timezone.utc).timestamp())
    v["mode"] = mode
    if mode == "presign":
        v["expires"] = expires
    data = body_bytes(v["body"])
    v["body_sha256"] = hashlib.sha256(data).hexdigest()
    v["expected"] = run_botocore(v)
    return v


JSON_CT = [("Content-Type", "application/json")]
SMALL_JSON = {"kind": "utf8", "text": '{"name":"Zoë","items":[1,2,3],"note":"a b+c/d"}'}
MIB = {"kind": "repeat_bytes", "len": 1048576, "seed": 7}


def vectors():
    v = []
    # --- basics -----------------------------------------------------------------------------
    v.append(vec("get_root_with_token", f"{API}/"))
    v.append(vec("get_root_without_token", f"{API}/", token=False))
    v.append(vec("get_stage_path", f"{API}/prod/pets"))
    v.append(vec("get_stage_path_no_token", f"{API}/prod/pets", token=False))
    v.append(vec("get_trailing_slash", f"{API}/prod/pets/"))
    # --- paths ------------------------------------------------------------------------------
    v.append(vec("path_encoded_space", f"{API}/prod/a%20b",
                 note="double encoding: canonical path /prod/a%2520b"))
    v.append(vec("path_unicode", f"{API}/prod/caf%C3%A9/%E2%9C%93",
                 note="UTF-8 percent-encoded on the wire, encoded again when signing"))
    v.append(vec("path_encoded_slash", f"{API}/prod/a%2Fb/c"))
    v.append(vec("path_at_tilde_plus_equals", f"{API}/prod/user@example.com/~x/a+b/k=v"))
    v.append(vec("path_sub_delims", f"{API}/prod/a,b;c:d!e$f'g(h)*"))
    v.append(vec("path_dot_segments_raw", f"{API}/prod/a/./b/../c",
                 note="raw dot segments (http::Uri keeps them; url::Url would resolve them): "
                      "botocore removes them before signing, the wire keeps them"))
    v.append(vec("path_dot_segment_trailing", f"{API}/prod/a/b/.",
                 note="botocore: '/prod/a/b' (no trailing slash), unlike RFC 3986's '/prod/a/b/'"))
    v.append(vec("path_double_slash", f"{API}/prod//a//b",
                 note="botocore collapses empty segments when signing"))
    v.append(vec("path_percent_literal", f"{API}/prod/100%25/x"))
    # --- queries ----------------------------------------------------------------------------
    v.append(vec("query_unsorted_keys", f"{API}/prod/items?b=2&a=1&c=3"))
    v.append(vec("query_repeated_keys", f"{API}/prod/items?tag=z&tag=a&tag=m"))
    v.append(vec("query_empty_value", f"{API}/prod/items?a=&b=1"))
    v.append(vec("query_key_without_equals", f"{API}/prod/items?flag&a=1"))
    v.append(vec("query_already_encoded", f"{API}/prod/items?q=a%2Fb",
                 note="must stay a%2Fb, never a%252Fb"))
    v.append(vec("query_encoded_space_and_unicode", f"{API}/prod/search?q=hello%20w%C3%B6rld"))
    v.append(vec("query_literal_plus", f"{API}/prod/search?q=a+b",
                 note="a raw '+' is a literal plus: the signer sends and signs %2B"))
    v.append(vec("query_encoded_plus", f"{API}/prod/search?q=a%2Bb"))
    v.append(vec("query_lowercase_hex", f"{API}/prod/search?q=a%2fb%3a",
                 note="lower-case escapes are rewritten to upper case"))
    v.append(vec("query_raw_reserved", f"{API}/prod/search?redirect=https://x.example/a?b@c",
                 note="raw '/', ':', '?', '@' in a value are encoded on the wire"))
    v.append(vec("query_encoded_unreserved", f"{API}/prod/search?%61=%7E%41",
                 note="escapes of unreserved characters are decoded"))
    v.append(vec("query_empty_segments", f"{API}/prod/items?&a=1&&b=2&"))
    v.append(vec("query_sort_by_value_for_same_key", f"{API}/prod/items?k=b&k=a&j=z&k="))
    # --- headers ----------------------------------------------------------------------------
    v.append(vec("headers_extra_signed", f"{API}/prod/pets",
                 headers=[("X-Custom-Header", "  spaced   value  "), ("Accept", "application/json")]))
    v.append(vec("headers_user_agent_not_signed", f"{API}/prod/pets",
                 headers=[("User-Agent", "cognito-sigv4/0.1"), ("X-Amzn-Trace-Id", "Root=1-x")]))
    v.append(vec("headers_repeated", f"{API}/prod/pets",
                 headers=[("X-Multi", "one"), ("X-Multi", "two")]))
    # --- bodies -----------------------------------------------------------------------------
    v.append(vec("post_json", f"{API}/prod/pets", method="POST", headers=JSON_CT, body=SMALL_JSON))
    v.append(vec("put_json_no_token", f"{API}/prod/pets/1", method="PUT", headers=JSON_CT,
                 body={"kind": "utf8", "text": "{}"}, token=False))
    v.append(vec("post_binary_small", f"{API}/prod/upload", method="POST",
                 headers=[("Content-Type", "application/octet-stream")],
                 body={"kind": "hex", "hex": "00ff10e2809c7f80"}))
    v.append(vec("post_binary_1mib", f"{API}/prod/upload", method="POST",
                 headers=[("Content-Type", "application/octet-stream")], body=MIB))
    v.append(vec("delete_with_query", f"{API}/prod/pets/1?force=true", method="DELETE"))
    v.append(vec("patch_json_eu", f"{API_EU}/v1/things/7", method="PATCH", headers=JSON_CT,
                 body=SMALL_JSON, region="eu-west-2"))
    # --- other regions, services, keys and times --------------------------------------------
    v.append(vec("eu_west_2_get", f"{API_EU}/v1/things?limit=10", region="eu-west-2"))
    v.append(vec("eu_west_2_no_token", f"{API_EU}/v1/things", region="eu-west-2", token=False))
    v.append(vec("sts_post_form", f"{STS}/", method="POST", region="eu-west-2", service="sts",
                 headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                 body={"kind": "utf8", "text": "Action=GetCallerIdentity&Version=2011-06-15"}))
    v.append(vec("lambda_invoke", f"{LAMBDA}/2015-03-31/functions/my-fn/invocations",
                 method="POST", service="lambda", headers=JSON_CT,
                 body={"kind": "utf8", "text": '{"ping":true}'}))
    v.append(vec("other_key_midnight", f"{API}/prod/pets", key=OTHER_ACCESS_KEY,
                 secret=OTHER_SECRET_KEY, time=T2))
    v.append(vec("custom_port", "https://api.example.test:8443/prod/pets",
                 note="host header keeps a non-default port"))
    v.append(vec("http_default_port", "http://127.0.0.1:80/prod/pets",
                 note="default port is dropped from the host header"))
    # --- presigned URLs (empty bodies: botocore's SigV4QueryAuth moves a body into the query) -
    v.append(vec("presign_basic", f"{API}/prod/pets", mode="presign", expires=300))
    v.append(vec("presign_no_token", f"{API}/prod/pets", mode="presign", expires=3600,
                 token=False))
    v.append(vec("presign_with_query", f"{API}/prod/search?q=a%2Fb&limit=5&flag=",
                 mode="presign", expires=900))
    v.append(vec("presign_path_encoded", f"{API}/prod/a%20b/caf%C3%A9", mode="presign",
                 expires=60))
    v.append(vec("presign_eu_seven_days", f"{API_EU}/v1/things", mode="presign",
                 expires=604800, region="eu-west-2"))
    v.append(vec("presign_with_header", f"{API}/prod/pets", mode="presign", expires=120,
                 headers=[("X-Custom-Header", "v")]))
    v.append(vec("presign_lambda", f"{LAMBDA}/2015-03-31/functions", mode="presign",
                 expires=30, service="lambda", time=T2))
    return v


def render():
    doc = {
        "generator": "scripts/gen_sigv4_vectors.py",
        "botocore_version": botocore.__version__,
        "notes": [
            "url: the request exactly as on the wire; input_url: what the caller gave the Rust "
            "signer when it differs (the signer rewrites the query into canonical encoding).",
            "body: a recipe; repeat_bytes byte i = (seed + 31*i + (i >> 8)) mod 256.",
            "expected: botocore's SigV4Auth (header) or SigV4QueryAuth (presign) outputs.",
        ],
        "vectors": vectors(),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true",
                   help="regenerate in memory and fail if the committed file differs")
    args = p.parse_args()
    text = render()
    if args.check:
        try:
            with open(OUT, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            print(f"{OUT} is missing", file=sys.stderr)
            return 1
        # The botocore release that made the file is informative only: a newer one that signs
        # the same way passes.
        def comparable(doc_text):
            doc = json.loads(doc_text)
            doc.pop("botocore_version", None)
            return doc

        if comparable(old) != comparable(text):
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), "committed", "regenerated"))
            print("sigv4 vectors differ from botocore's output", file=sys.stderr)
            return 1
        print(f"{OUT}: up to date ({text.count(chr(10))} lines)")
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
