#!/usr/bin/env python3
"""Runs a peer server for the interop tests and stops it when the test process goes away.

Usage: peer_guard.py <program> [args...]

The peer runs in its own process group. The guard reads its stdin until end of file: the test
process holds the other end of that pipe, so when the tests finish, fail or are killed, the pipe
closes and the guard stops the whole group (SIGTERM, then SIGKILL after 5 s). It also exits,
with the peer's status, if the peer exits by itself.
"""
import os
import signal
import subprocess
import sys
import threading


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: peer_guard.py <program> [args...]")
    peer = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, start_new_session=True)
    lock = threading.Lock()

    def stop(*_):
        with lock:
            if peer.poll() is None:
                try:
                    os.killpg(peer.pid, signal.SIGTERM)
                    peer.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(peer.pid, signal.SIGKILL)
                    peer.wait()
                except ProcessLookupError:
                    pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_peer():
        code = peer.wait()
        os._exit(code if code >= 0 else 1)

    threading.Thread(target=watch_peer, daemon=True).start()
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    stop()


if __name__ == "__main__":
    main()
