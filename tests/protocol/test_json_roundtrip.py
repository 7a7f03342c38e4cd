"""test_json_roundtrip.py — botocore <-> our json (1.0/1.1) and rest-json protocol code, every operation.

For each operation of DynamoDB, CloudWatch Logs (json) and Lambda (rest-json):
  * botocore serializes a generated input covering every member; proto_tool must parse it to the
    same value (and find the operation by X-Amz-Target / URI template);
  * proto_tool serializes a generated output; botocore's parser must read the same value back;
  * for every error shape, botocore must read our error's code, message and status.
This runs with the Debian botocore (the interpreter running pytest) and, when `python3` on PATH
has another botocore, once more in that interpreter (this file run as a script with --child),
using its own serializers, parsers and models for the members both models have.
"""
import json
import os
import shutil
import subprocess
import sys

try:
    import pytest
except ImportError:  # the --child run in another interpreter needs no pytest
    pytest = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import protohelp  # noqa: E402

SERVICES = ("dynamodb", "logs", "lambda")


if pytest is None:  # decorators below still need a name
    class _NoPytest:
        class mark:
            @staticmethod
            def parametrize(*a, **k):
                return lambda f: f

        @staticmethod
        def param(*a, **k):
            return a

    pytest = _NoPytest


def _ops(service):
    return sorted(protohelp.service_model(service).operation_names)


def _params():
    for s in SERVICES:
        for op in _ops(s):
            yield pytest.param(s, op, id=f"{s}:{op}")


def _errs():
    for s in SERVICES:
        for sh in protohelp.error_shapes(protohelp.service_model(s)):
            yield pytest.param(s, sh.name, id=f"{s}:{sh.name}")


@pytest.mark.parametrize("service,op", list(_params()))
def test_input(tool, service, op):
    sm = protohelp.service_model(service)
    problems = []
    for seed in (1, 2, 3):
        problems += protohelp.check_input(tool, sm, op, seed=seed)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service,op", list(_params()))
def test_output(tool, service, op):
    sm = protohelp.service_model(service)
    problems = []
    for seed in (1, 2, 3):
        problems += protohelp.check_output(tool, sm, op, seed=seed)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service,shape", list(_errs()))
def test_error(tool, service, shape):
    sm = protohelp.service_model(service)
    assert not protohelp.check_error(tool, sm, sm.shape_for(shape))


def _newer_python():
    """`python3` on PATH when its botocore differs from ours, else None."""
    exe = shutil.which("python3")
    if not exe or os.path.realpath(exe) == os.path.realpath(sys.executable):
        return None
    try:
        v = subprocess.run([exe, "-c", "import botocore;print(botocore.__version__)"], capture_output=True,
                           text=True, timeout=60)
    except OSError:
        return None
    if v.returncode != 0 or v.stdout.strip() == protohelp.botocore.__version__:
        return None
    return exe, v.stdout.strip()


@pytest.mark.parametrize("service", SERVICES)
def test_newer_botocore(service):
    newer = _newer_python()
    if newer is None:
        pytest.skip("no other botocore on PATH (python3)")
    exe, ver = newer
    if not os.environ.get("PROTO_TOOL"):
        pytest.fail("PROTO_TOOL is not set")
    r = subprocess.run([exe, os.path.abspath(__file__), "--child", service], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0 and r.stdout.strip(), f"child failed ({r.returncode}):\n{r.stderr[-4000:]}"
    res = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"botocore {ver} {service}: {json.dumps(res['counts'])}")
    assert not res["problems"], f"botocore {ver}: " + "\n".join(res["problems"][:50])
    assert res["counts"]["input"] > 0


def child(service):
    """Runs in the other interpreter: its botocore, its model, restricted to what both models know."""
    new = protohelp.service_model(service)
    old = protohelp.service_model(service, protohelp.DEBIAN_BOTOCORE_DATA)
    problems = []
    counts = {"botocore": protohelp.botocore.__version__, "input": 0, "output": 0, "error": 0, "failed": 0}
    with protohelp.ProtoTool() as tool:
        for op in sorted(set(new.operation_names) & set(old.operation_names)):
            on, oo = new.operation_model(op), old.operation_model(op)
            for kind, check, b in (("input", protohelp.check_input, oo.input_shape or protohelp.EMPTY_SHAPE),
                                   ("output", protohelp.check_output, oo.output_shape or protohelp.EMPTY_SHAPE)):
                p = []
                try:
                    for seed in (1, 2):
                        p += check(tool, new, op, seed=seed, both=b)
                except Exception as e:  # a crash in botocore or the tool is a failure, not an abort
                    p.append(f"{op}: {kind}: {type(e).__name__}: {e}")
                counts[kind] += 1
                if p:
                    counts["failed"] += 1
                problems += p
        old_errs = {sh.name for sh in protohelp.error_shapes(old)}
        for sh in protohelp.error_shapes(new):
            if sh.name in old_errs:
                counts["error"] += 1
                p = protohelp.check_error(tool, new, sh)
                counts["failed"] += bool(p)
                problems += p
        rc, err = tool.close()
        if rc != 0:
            problems.append(f"proto_tool exited {rc}: {err[-2000:]}")
    print(json.dumps({"counts": counts, "problems": problems}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        print("usage: test_json_roundtrip.py --child SERVICE (normally run by pytest)", file=sys.stderr)
        sys.exit(2)
