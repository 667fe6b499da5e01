# SPDX-License-Identifier: Apache-2.0
"""What the ordo serve black-box tests share: a call with the bearer token
that returns (status, body) for errors too, after waiting for /healthz."""
import os
import sys
import time
import urllib.error
import urllib.request


def client(base, token, timeout=60):
    """call(method, path, body=None, ctype=None, auth=True) for the server
    at base, once it answers /healthz (exits the test when it never does)."""

    def call(method, path, body=None, ctype=None, auth=True):
        req = urllib.request.Request(base + path, method=method, data=body)
        if auth:
            req.add_header("Authorization", "Bearer " + token)
        if ctype:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    for _ in range(300):
        try:
            if call("GET", "/healthz")[0] == 200:
                return call
        except OSError:
            time.sleep(0.1)
    sys.exit("ordo serve did not answer")
