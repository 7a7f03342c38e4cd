"""conftest.py — fixtures for the botocore round-trip tests (tests/protocol).

Run: PROTO_TOOL=build/test/proto_tool /usr/bin/python3 -m pytest tests/protocol
A missing PROTO_TOOL fails every test (nothing is skipped silently). The helpers every protocol's
round-trip test uses (value generator, canonical forms, proto_tool runner, the three checks) live in
protohelp.py next to this file: see its docstring.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import protohelp  # noqa: E402


@pytest.fixture(scope="session")
def tool():
    """The shared proto_tool process; at the end its exit status and sanitizer output are checked."""
    t = protohelp.ProtoTool()  # raises (-> test errors) when PROTO_TOOL is missing
    yield t
    rc, err = t.close()
    if rc != 0 or "ERROR: AddressSanitizer" in err or "runtime error:" in err:
        pytest.fail(f"proto_tool exited {rc}:\n{err[-4000:]}")
