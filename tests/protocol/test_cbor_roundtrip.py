"""test_cbor_roundtrip.py — botocore <-> our smithy-rpc-v2-cbor protocol code, every operation of each cbor twin.

gureum serves CloudWatch a third time as smithy-rpc-v2-cbor (registry row cloudwatch-cbor, generated from
Debian's query model by tools/gen_models.py --as-cbor). For every operation both models know:
  * botocore's RpcV2CBORSerializer serializes a generated input (the members Debian's model has too);
    proto_tool must find the operation by its path /service/{Service}/operation/{Op} and parse the CBOR
    body to the same value;
  * proto_tool serializes a generated output; botocore's RpcV2CBORParser must read the same value back;
  * for every error shape, botocore must read our error's code (the query-era code, from
    x-amzn-query-error), message and status.
Debian's botocore (1.26) has no cbor protocol: under it this file runs itself again in `python3` on PATH
when that botocore has one (botocore 1.43: the same check as test_json_roundtrip's newer-botocore run);
under such an interpreter (PYTHONPATH=/tmp/pyx /root/.pyenv/shims/python3 -m pytest) it runs in-process.
"""
import json
import os
import shutil
import subprocess
import sys

try:
    import pytest
except ImportError:  # the --child run needs no pytest
    pytest = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import protohelp  # noqa: E402

# (botocore service name, proto_tool/registry name of its cbor twin)
TWINS = (("cloudwatch", "cloudwatch-cbor"),)
PROTOCOL = "smithy-rpc-v2-cbor"


def has_cbor():
    return PROTOCOL in protohelp.botocore.serialize.SERIALIZERS


def check_service(tool, service, tool_service):
    """Every operation and error of service through its cbor twin; (counts, problems)."""
    new = protohelp.service_model(service)
    old = protohelp.service_model(service, protohelp.DEBIAN_BOTOCORE_DATA)
    assert new.metadata["protocol"] == PROTOCOL, f"{service}: botocore speaks {new.metadata['protocol']}"
    problems = []
    counts = {"botocore": protohelp.botocore.__version__, "input": 0, "output": 0, "error": 0, "failed": 0}
    for op in sorted(set(new.operation_names) & set(old.operation_names)):
        oo = old.operation_model(op)
        for kind in ("input", "output"):
            p = []
            try:
                for seed in (1, 2, 3):
                    if kind == "input":
                        # botocore writes timestamps as whole epoch seconds (an integer under tag 1)
                        p += protohelp.check_input(tool, new, op, seed=seed, tool_service=tool_service,
                                                   both=oo.input_shape or protohelp.EMPTY_SHAPE,
                                                   gen=protohelp.ValueGen(seed, PROTOCOL, whole_seconds=True))
                    else:
                        p += protohelp.check_output(tool, new, op, seed=seed, tool_service=tool_service,
                                                    both=oo.output_shape or protohelp.EMPTY_SHAPE)
            except Exception as e:  # a crash in botocore or the tool is a failure, not an abort
                p.append(f"{op}: {kind}: {type(e).__name__}: {e}")
            counts[kind] += 1
            counts["failed"] += bool(p)
            problems += p
    problems += protohelp.check_shared_errors(tool, new, old, counts, tool_service=tool_service)
    return counts, problems


def _cbor_python():
    """`python3` on PATH when its botocore has the cbor protocol (and ours does not), else None."""
    exe = shutil.which("python3")
    if not exe or os.path.realpath(exe) == os.path.realpath(sys.executable):
        return None
    try:
        v = subprocess.run([exe, "-c", f"import botocore.serialize as s;print('{PROTOCOL}' in s.SERIALIZERS)"],
                           capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return exe if v.returncode == 0 and v.stdout.strip() == "True" else None


if pytest is not None:

    @pytest.mark.parametrize("service,tool_service", TWINS)
    def test_cbor_twin(tool, service, tool_service):
        if has_cbor():
            counts, problems = check_service(tool, service, tool_service)
        else:
            exe = _cbor_python()
            if exe is None:
                pytest.skip("no botocore with smithy-rpc-v2-cbor here or as python3 on PATH")
            r = subprocess.run([exe, os.path.abspath(__file__), "--child", service, tool_service],
                               capture_output=True, text=True, timeout=900)
            assert r.returncode == 0 and r.stdout.strip(), f"child failed ({r.returncode}):\n{r.stderr[-4000:]}"
            res = json.loads(r.stdout.strip().splitlines()[-1])
            counts, problems = res["counts"], res["problems"]
        print(f"botocore {counts['botocore']} {tool_service}: {json.dumps(counts)}")
        assert not problems, "\n".join(problems[:50])
        assert counts["input"] > 0 and counts["output"] > 0 and counts["error"] > 0


    def test_generator_as_cbor(tmp_path):
        """--as-cbor: the same shapes and operations as smithy-rpc-v2-cbor, named by the service name,
        query wire names dropped, query-era codes kept (awsQueryCompatible)."""
        gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "gen_models.py")
        r = subprocess.run([sys.executable, gen, "--botocore", protohelp.DEBIAN_BOTOCORE_DATA, "--service", "sqs",
                            "--out", str(tmp_path), "--as-cbor", "AmazonSQS", "--name", "sqscbor"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        c = (tmp_path / "sqscbor_model.c").read_text()
        assert ".protocol = PROTO_RPCV2_CBOR," in c
        assert '.target_prefix = "AmazonSQS",' in c
        assert ".query_compat = true," in c
        assert '"MessageAttribute"' not in c  # the query model's locationName of MessageAttributes
        assert "extern const svc_model_t gen_model_sqscbor;" in (tmp_path / "sqscbor_model.h").read_text()
        # a json model twinned keeps its own codes: no query compatibility
        r = subprocess.run([sys.executable, gen, "--botocore", protohelp.DEBIAN_BOTOCORE_DATA, "--service", "logs",
                            "--out", str(tmp_path), "--as-cbor", "Logs_20140328", "--name", "logscbor"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "query_compat" not in (tmp_path / "logscbor_model.c").read_text()


def child(service, tool_service):
    with protohelp.ProtoTool() as tool:
        counts, problems = check_service(tool, service, tool_service)
        rc, err = tool.close()
        if rc != 0:
            problems.append(f"proto_tool exited {rc}: {err[-2000:]}")
    print(json.dumps({"counts": counts, "problems": problems}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        print("usage: test_cbor_roundtrip.py --child SERVICE TOOL_SERVICE (normally run by pytest)", file=sys.stderr)
