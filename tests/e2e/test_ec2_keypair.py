"""test_ec2_keypair.py — EC2 key pairs end to end: CreateKeyPair's keys are real (ssh-keygen reads
them back and derives the public key gureum keeps), fingerprints as AWS computes them (SHA-1 of the
PKCS#8 DER private key for a created RSA key, MD5 of the DER public key for an imported one, base64
SHA-256 of the OpenSSH blob for ED25519), ImportKeyPair, DescribeKeyPairs with IncludePublicKey and
filters, DeleteKeyPair idempotent as on AWS, AWS's refusal texts; the CLIs.
"""
import base64
import hashlib
import json
import subprocess

import pytest

from conftest import refused


def has_member(ec2, op, member):
    return member in ec2.meta.service_model.operation_model(op).input_shape.members


def ssh_public(tmp_path, material):
    k = tmp_path / "key"
    k.write_text(material + "\n")
    k.chmod(0o600)
    p = subprocess.run(["ssh-keygen", "-y", "-f", str(k)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()[:2]


def test_create_rsa(ec2, tmp_path):
    from cryptography.hazmat.primitives import serialization
    k = ec2.create_key_pair(KeyName="WEB-KEY")
    assert k["KeyPairId"].startswith("key-") and k["KeyName"] == "WEB-KEY"
    assert k["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    priv = serialization.load_pem_private_key(k["KeyMaterial"].encode(), None)
    assert priv.key_size == 2048
    der = priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    assert k["KeyFingerprint"] == ":".join(f"{b:02x}" for b in hashlib.sha1(der).digest())
    pub = ssh_public(tmp_path, k["KeyMaterial"])
    if has_member(ec2, "DescribeKeyPairs", "IncludePublicKey"):
        [d] = ec2.describe_key_pairs(KeyNames=["WEB-KEY"], IncludePublicKey=True)["KeyPairs"]
        assert d["PublicKey"].split() == pub + ["WEB-KEY"]
        assert (d["KeyType"], d["KeyFingerprint"], d["KeyPairId"]) == ("rsa", k["KeyFingerprint"], k["KeyPairId"])
    err, status = refused(ec2.create_key_pair, KeyName="WEB-KEY")
    assert (err, status) == ({"Code": "InvalidKeyPair.Duplicate", "Message": "The keypair 'WEB-KEY' already exists."},
                             400)


def test_create_ed25519(ec2, tmp_path):
    if not has_member(ec2, "CreateKeyPair", "KeyType"):
        pytest.skip("KeyType is not in this botocore's model")
    k = ec2.create_key_pair(KeyName="ED-KEY", KeyType="ed25519",
                            TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "k", "Value": "v"}]}])
    assert k["KeyMaterial"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    typ, b64 = ssh_public(tmp_path, k["KeyMaterial"])
    assert typ == "ssh-ed25519"
    assert k["KeyFingerprint"] == base64.b64encode(hashlib.sha256(base64.b64decode(b64)).digest()).decode()
    got = ec2.describe_key_pairs(Filters=[{"Name": "key-type", "Values": ["ed25519"]}])["KeyPairs"]
    assert [(g["KeyName"], g["Tags"]) for g in got] == [("ED-KEY", [{"Key": "k", "Value": "v"}])]


def test_import_and_delete(ec2, tmp_path):
    k = tmp_path / "imp"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(k)], check=True)
    line = (tmp_path / "imp.pub").read_text()
    from cryptography.hazmat.primitives import serialization
    pub = serialization.load_ssh_public_key(line.encode())
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    got = ec2.import_key_pair(KeyName="IMP-KEY", PublicKeyMaterial=line.encode())
    assert got["KeyFingerprint"] == ":".join(f"{b:02x}" for b in hashlib.md5(der).digest())
    err, _ = refused(ec2.import_key_pair, KeyName="BAD", PublicKeyMaterial=b"ssh-rsa notbase64!")
    assert err == {"Code": "InvalidKeyPair.Format", "Message": "Key is not in valid OpenSSH public key format"}
    d = ec2.describe_key_pairs(Filters=[{"Name": "fingerprint", "Values": [got["KeyFingerprint"]]}])["KeyPairs"]
    assert [x["KeyName"] for x in d] == ["IMP-KEY"]
    ec2.delete_key_pair(KeyName="IMP-KEY")
    ec2.delete_key_pair(KeyName="IMP-KEY")  # AWS: deleting what is gone succeeds
    err, _ = refused(ec2.describe_key_pairs, KeyNames=["IMP-KEY"])
    assert err == {"Code": "InvalidKeyPair.NotFound", "Message": "The key pair 'IMP-KEY' does not exist"}


def test_cli(gureum, cli, tmp_path):
    p = gureum.aws("ec2", "create-key-pair", "--key-name", "CLI-KEY", "--query", "KeyMaterial", "--output", "text",
                   cli=cli)
    assert p.returncode == 0, p.stderr
    assert ssh_public(tmp_path, p.stdout.strip())[0] == "ssh-rsa"
    p = gureum.aws("ec2", "describe-key-pairs", "--key-names", "CLI-KEY", cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["KeyPairs"][0]["KeyName"] == "CLI-KEY"
    p = gureum.aws("ec2", "delete-key-pair", "--key-name", "CLI-KEY", cli=cli)
    assert p.returncode == 0, p.stderr


def test_unknown_id(ec2):
    if not has_member(ec2, "DescribeKeyPairs", "KeyPairIds"):
        pytest.skip("KeyPairIds is not in this botocore's model")
    err, _ = refused(ec2.describe_key_pairs, KeyPairIds=["key-0123456789abcdef0"])
    assert err == {"Code": "InvalidKeyPair.NotFound", "Message": "The key pair ID 'key-0123456789abcdef0' does not exist"}
