#!/usr/bin/env python3
"""Writes tests/data/srp_vectors.json: Cognito SRP and SECRET_HASH vectors from independent code.

Two implementations that are not ours compute every vector from fixed inputs (private `a`,
salt, SRP_B, SECRET_BLOCK, pool id, USER_ID_FOR_SRP, password, timestamp):

* amazon-cognito-identity-js (AWS-authored; `AuthenticationHelper`, run by node through
  `srp_js_driver.js`; install with `npm ci` or `npm install` in this folder). Its answer is the
  expected one: it parses SALT and SRP_B as numbers, like aws-sdk-android and the service.
* pycognito (`pip install pycognito`; `AWSSRP.process_challenge` with the clock patched). It
  hashes the SALT string as given, so it disagrees when the salt has a leading zero byte
  followed by a byte below 0x80; it cannot parse a negative salt. Its answer is kept in
  `pycognito_signature` so the difference stays visible.

SECRET_HASH vectors come from Python's `hmac`.

Usage:
    python3 scripts/gen_srp_vectors.py           # rewrite the vectors file
    python3 scripts/gen_srp_vectors.py --check   # recompute and fail if the file differs

Everything is seeded, so the output is byte-for-byte deterministic.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
from unittest import mock

import pycognito.aws_srp as aws_srp

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "data", "srp_vectors.json")

N = int(aws_srp.N_HEX, 16)
G = 2


def pad(n):
    """Minimal two's-complement big-endian bytes (Java's BigInteger.toByteArray)."""
    length = max(1, (n.bit_length() + 8) // 8) if n >= 0 else max(1, ((-n - 1).bit_length() + 8) // 8)
    return n.to_bytes(length, "big", signed=True)


def H(b):
    return hashlib.sha256(b).digest()


K = int.from_bytes(H(pad(N) + pad(G)), "big")


def internals(c):
    """x, u and S as the service computes them (salt and B read as numbers): used only to pick
    seeds that exercise odd-length hex; the vectors themselves come from the two libraries."""
    pool = c["user_pool_id"].split("_", 1)[1]
    a = int(c["a_hex"], 16)
    A = pow(G, a, N)
    B = int(c["srp_b_hex"], 16)
    u = int.from_bytes(H(pad(A) + pad(B)), "big")
    inner = H((pool + c["user_id_for_srp"] + ":" + c["password"]).encode("utf-8"))
    x = int.from_bytes(H(pad(int(c["salt_hex"], 16)) + inner), "big")
    S = pow(B - K * pow(G, x, N), a + u * x, N)
    return x, u, S


def odd_hex(n):
    return len(format(n, "x")) % 2 == 1


def cognito_timestamp(t):
    return aws_srp.AWSSRP.get_cognito_formatted_timestamp(t)


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def hexbytes(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n)).hex()

    def num_hex(self, bits):
        return format(self.rng.getrandbits(bits) | 1, "x")

    def b_hex(self):
        return format(self.rng.randrange(2, N), "x")

    def case(self, name, **over):
        epoch = over.pop("timestamp_epoch", None)
        if epoch is None:
            epoch = self.rng.randrange(1_500_000_000, 2_100_000_000)
        when = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).replace(tzinfo=None)
        c = {
            "name": name,
            "user_pool_id": "eu-west-1_" + "".join(self.rng.choice("ABCDEFGHJKxyz0123456789") for _ in range(9)),
            "user_id_for_srp": "%s-%s-4%s-a%s-%s"
            % (self.hexbytes(4), self.hexbytes(2), self.hexbytes(2)[1:], self.hexbytes(2)[1:], self.hexbytes(6)),
            "password": "Pw-" + self.hexbytes(6) + "!",
            # amazon-cognito-identity-js and aws-sdk-android draw 128 random bytes (1024 bits).
            "a_hex": self.hexbytes(128).lstrip("0") or "1",
            "salt_hex": format(self.rng.getrandbits(128), "x"),
            "srp_b_hex": self.b_hex(),
            "secret_block_b64": base64.b64encode(bytes(self.rng.getrandbits(8) for _ in range(self.rng.randrange(40, 400)))).decode(),
            "timestamp_epoch": epoch,
            "timestamp": cognito_timestamp(when),
        }
        c.update(over)
        return c


def search(gen, name, pred, tries=400, **over):
    for _ in range(tries):
        c = gen.case(name, **over)
        if pred(*internals(c)):
            return c
    raise SystemExit("no seed found for " + name)


def build_cases():
    g = Gen(20260105)
    cases = [g.case("random-%d" % i) for i in range(6)]
    cases.append(g.case("salt-first-byte-zero", salt_hex="003" + g.hexbytes(15)[1:]))
    cases.append(g.case("salt-two-zero-bytes", salt_hex="0000" + "1f" + g.hexbytes(13)))
    cases.append(g.case("salt-zero-byte-then-top-bit", salt_hex="00" + "9a" + g.hexbytes(14)))
    cases.append(g.case("salt-top-bit-set", salt_hex="c3" + g.hexbytes(15)))
    cases.append(g.case("salt-odd-length", salt_hex="b" + g.hexbytes(15)))
    cases.append(g.case("salt-short", salt_hex="7"))
    # Cognito sent salts formatted as negative Java BigIntegers in 2019-2020 (pycognito #14).
    cases.append(g.case("salt-negative-historic", salt_hex="-16e462a84f2df159eee0c14642974ee7"))
    cases.append(g.case("salt-uppercase", salt_hex="A1B2C3D4E5F60718293A4B5C6D7E8F90"))
    top = format(g.rng.randrange(1 << 3071, N), "x")
    cases.append(g.case("b-top-bit-set", srp_b_hex=top))
    cases.append(g.case("b-short", srp_b_hex=format(g.rng.getrandbits(600), "x")))
    cases.append(g.case("b-leading-zeros-in-hex", srp_b_hex="0000" + format(g.rng.getrandbits(3000), "x")))
    cases.append(g.case("b-odd-length", srp_b_hex=format(g.rng.getrandbits(3067) | (1 << 3066), "x")))
    cases.append(g.case("b-uppercase", srp_b_hex=g.b_hex().upper()))
    cases.append(g.case("b-at-least-n", srp_b_hex=format(N + g.rng.getrandbits(1000), "x")))
    cases.append(g.case("password-unicode", password="pässwörd-日本語-🔑-Ωmega"))
    cases.append(g.case("username-unicode", user_id_for_srp="jürgen.müller@exämple.de"))
    cases.append(g.case("password-empty", password=""))
    cases.append(g.case("a-short", a_hex="1234567"))
    cases.append(g.case("a-top-bit-set", a_hex="f" + g.hexbytes(255)[1:]))
    # No vector for a pool id with two `_`: Cognito's pool ids match `[\w-]+_[0-9a-zA-Z]+`, and
    # the AWS clients disagree on one (JS keeps the text between the first two `_`, Android all
    # of the text after the first).
    cases.append(search(g, "x-odd-hex-length", lambda x, u, S: odd_hex(x)))
    cases.append(search(g, "u-odd-hex-length", lambda x, u, S: odd_hex(u)))
    cases.append(search(g, "u-top-bit-set", lambda x, u, S: u >> 255 == 1 and not odd_hex(u)))
    cases.append(search(g, "s-odd-hex-length", lambda x, u, S: odd_hex(S)))
    cases.append(search(g, "s-top-bit-set", lambda x, u, S: S >> 3071 == 1))
    # Timestamps around the edges of the format: single-digit day, midnight, leap day.
    for name, epoch in [
        ("timestamp-single-digit-day", 1767603843),  # Mon Jan 5 09:04:03 UTC 2026
        ("timestamp-midnight", 1767225600),  # Thu Jan 1 00:00:00 UTC 2026
        ("timestamp-leap-day", 1709251199),  # Thu Feb 29 23:59:59 UTC 2024
        ("timestamp-two-digit-day", 1763700000),  # Fri Nov 21 04:40:00 UTC 2025
    ]:
        cases.append(g.case(name, timestamp_epoch=epoch))
    return cases


def run_js(cases):
    keys = ["user_pool_id", "user_id_for_srp", "password", "a_hex", "srp_b_hex", "salt_hex", "secret_block_b64", "timestamp"]
    out = subprocess.run(
        ["node", os.path.join(HERE, "srp_js_driver.js")],
        input=json.dumps([{k: c[k] for k in keys} for c in cases]).encode(),
        capture_output=True,
        check=True,
        cwd=HERE,
    )
    return json.loads(out.stdout)


class _FixedDatetime(datetime.datetime):
    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


def run_pycognito(c):
    """pycognito's answer, or None where it cannot compute one (negative salt)."""
    when = datetime.datetime.fromtimestamp(c["timestamp_epoch"], datetime.timezone.utc).replace(tzinfo=None)
    srp = aws_srp.AWSSRP(c["user_id_for_srp"], c["password"], c["user_pool_id"], "client", client=object())
    srp.small_a_value = int(c["a_hex"], 16)
    srp.large_a_value = srp.calculate_a()
    _FixedDatetime.fixed = when
    fake = mock.MagicMock(wraps=datetime)
    fake.datetime = _FixedDatetime
    params = {
        "USER_ID_FOR_SRP": c["user_id_for_srp"],
        "SALT": c["salt_hex"],
        "SRP_B": c["srp_b_hex"],
        "SECRET_BLOCK": c["secret_block_b64"],
    }
    with mock.patch.object(aws_srp, "datetime", fake):
        try:
            resp = srp.process_challenge(params, {"USERNAME": c["user_id_for_srp"]})
        except ValueError:
            return aws_srp.long_to_hex(srp.large_a_value), None
    if resp["TIMESTAMP"] != c["timestamp"]:
        raise SystemExit("timestamp mismatch in " + c["name"])
    return aws_srp.long_to_hex(srp.large_a_value), resp["PASSWORD_CLAIM_SIGNATURE"]


def secret_hash_vectors():
    rng = random.Random(7)
    out = []
    for username, client_id in [
        ("a1b2c3d4-0000-4000-8000-123456789abc", "4pq0ttkcqhnps1n4am2jl3c0bo"),
        ("jürgen", "7d8i6q5m1ttnvp4c0g9e3fqh2a"),
        ("user+tag@example.com", "1example23456789"),
    ]:
        secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(52))
        mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
        out.append({
            "client_secret": secret,
            "username": username,
            "client_id": client_id,
            "secret_hash": base64.b64encode(mac).decode(),
        })
    return out


def generate():
    cases = build_cases()
    js = run_js(cases)
    vectors = []
    for c, j in zip(cases, js):
        py_a, py_sig = run_pycognito(c)
        if py_a != j["srp_a"]:
            raise SystemExit("SRP_A differs between implementations in " + c["name"])
        v = dict(c)
        v["srp_a"] = j["srp_a"]
        v["signature"] = j["signature"]
        v["pycognito_signature"] = py_sig
        v["implementations_agree"] = py_sig == j["signature"]
        vectors.append(v)
    doc = {
        "about": "Cognito SRP PASSWORD_CLAIM_SIGNATURE vectors. `signature` is amazon-cognito-identity-js "
        "6.3.12 (AWS-authored; salt and SRP_B read as numbers, like the service); `pycognito_signature` "
        "is pycognito 2024.5.1 (salt hashed as the given string). Generated by scripts/gen_srp_vectors.py.",
        "srp": vectors,
        "secret_hash": secret_hash_vectors(),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main():
    text = generate()
    if "--check" in sys.argv[1:]:
        with open(OUT, encoding="utf-8") as f:
            old = f.read()
        if old != text:
            print("tests/data/srp_vectors.json differs from a fresh run", file=sys.stderr)
            return 1
        print("srp_vectors.json is up to date")
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote", os.path.normpath(OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
