"""IAM's SAML identity providers, users' SSH public keys, service-specific
credentials and server certificate tags, end to end with boto3: the metadata
document and keys parsed as AWS parses them, fingerprints as OpenSSH (and AWS)
computes them, and AWS's refusals (texts from the API reference and
LocalStack's recordings of IAM)."""
import base64
import datetime
import re
import subprocess

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"


def error_of(fn, *a, **kw):
    with pytest.raises(ClientError) as ei:
        fn(*a, **kw)
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def _cert_b64(tmp_path, name):
    key, crt = tmp_path / f"{name}.key", tmp_path / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "30", "-subj", f"/CN={name}"], check=True, capture_output=True)
    return "".join(l for l in crt.read_text().splitlines() if not l.startswith("-----"))


def _metadata(cert, valid_until=None):
    until = f' validUntil="{valid_until}"' if valid_until else ""
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml"{until}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>
{cert}
        </ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
                            Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
""" + "<!-- padding: AWS wants 1000 characters at least -->\n" * 10


def test_saml_providers(gureum, tmp_path):
    c = gureum.client("iam")
    cert = _cert_b64(tmp_path, "idp")
    doc = _metadata(cert, "2030-01-02T03:04:05Z")
    for bad in ("a" * 1024, _metadata("bm90IGEgY2VydGlmaWNhdGU=") ,
                doc.replace("urn:oasis:names:tc:SAML:2.0:metadata", "urn:example")):
        assert error_of(c.create_saml_provider, Name="idp", SAMLMetadataDocument=bad) == \
            ("InvalidInput", 400, "Could not parse metadata.")
    arn = c.create_saml_provider(Name="idp", SAMLMetadataDocument=doc,
                                 Tags=[{"Key": "team", "Value": "sso"}])["SAMLProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:saml-provider/idp"
    assert error_of(c.create_saml_provider, Name="idp", SAMLMetadataDocument=doc)[0] == "EntityAlreadyExists"
    got = c.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == doc
    assert got["ValidUntil"] == datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert got["Tags"] == [{"Key": "team", "Value": "sso"}]
    # no validUntil: AWS's provider is valid for a hundred years
    doc2 = _metadata(cert)
    assert c.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=doc2)["SAMLProviderArn"] == arn
    until = c.get_saml_provider(SAMLProviderArn=arn)["ValidUntil"]
    assert until.year >= datetime.datetime.now().year + 99
    [listed] = c.list_saml_providers()["SAMLProviderList"]
    assert listed["Arn"] == arn and listed["ValidUntil"] == until
    assert c.get_account_summary()["SummaryMap"]["Providers"] == 1
    c.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    c.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["team"])
    assert c.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    c.delete_saml_provider(SAMLProviderArn=arn)
    assert c.list_saml_providers()["SAMLProviderList"] == []
    assert error_of(c.get_saml_provider, SAMLProviderArn=arn)[:2] == ("NoSuchEntity", 404)


def _ssh_key(tmp_path, name, kind="rsa", bits="2048"):
    path = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-b", bits, "-N", "", "-C", "me@host", "-f", str(path)],
                   check=True)
    pub = (tmp_path / f"{name}.pub").read_text().strip()
    fp = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(path) + ".pub"], check=True,
                        capture_output=True, text=True).stdout.split()[1]
    pem = subprocess.run(["ssh-keygen", "-e", "-m", "PKCS8", "-f", str(path) + ".pub"],
                         capture_output=True, text=True).stdout  # RSA only
    return pub, fp.removeprefix("MD5:"), pem


def test_ssh_public_keys(gureum, tmp_path):
    """AWS: ssh-rsa or PEM, 2048 bits at least; the fingerprint is the key's MD5 as OpenSSH shows it."""
    c = gureum.client("iam")
    c.create_user(UserName="git")
    pub, fp, pem = _ssh_key(tmp_path, "k1")
    k = c.upload_ssh_public_key(UserName="git", SSHPublicKeyBody=pub)["SSHPublicKey"]
    assert re.fullmatch(r"APKA[A-Z2-7]{17}", k["SSHPublicKeyId"])
    assert (k["UserName"], k["Fingerprint"], k["SSHPublicKeyBody"], k["Status"]) == ("git", fp, pub, "Active")
    kid = k["SSHPublicKeyId"]
    assert error_of(c.upload_ssh_public_key, UserName="git", SSHPublicKeyBody=pem)[0] == "DuplicateSSHPublicKey"
    # PEM in, both encodings out
    pub2, fp2, pem2 = _ssh_key(tmp_path, "k2")
    k2 = c.upload_ssh_public_key(UserName="git", SSHPublicKeyBody=pem2)["SSHPublicKey"]
    assert k2["Fingerprint"] == fp2
    as_ssh = c.get_ssh_public_key(UserName="git", SSHPublicKeyId=k2["SSHPublicKeyId"], Encoding="SSH")
    assert as_ssh["SSHPublicKey"]["SSHPublicKeyBody"].split()[:2] == pub2.split()[:2]
    as_pem = c.get_ssh_public_key(UserName="git", SSHPublicKeyId=kid, Encoding="PEM")["SSHPublicKey"]
    assert as_pem["SSHPublicKeyBody"].strip() == pem.strip()
    small, _, _ = _ssh_key(tmp_path, "small", bits="1024")
    assert error_of(c.upload_ssh_public_key, UserName="git", SSHPublicKeyBody=small)[:2] == ("InvalidPublicKey", 400)
    ed, _, _ = _ssh_key(tmp_path, "ed", kind="ed25519", bits="256")
    assert error_of(c.upload_ssh_public_key, UserName="git",
                    SSHPublicKeyBody=ed)[:2] == ("UnrecognizedPublicKeyEncoding", 400)
    assert error_of(c.upload_ssh_public_key, UserName="nobody", SSHPublicKeyBody=pub)[:2] == ("NoSuchEntity", 404)
    c.update_ssh_public_key(UserName="git", SSHPublicKeyId=kid, Status="Inactive")
    listed = c.list_ssh_public_keys(UserName="git")["SSHPublicKeys"]
    assert [(x["SSHPublicKeyId"], x["Status"]) for x in listed] == [(kid, "Inactive"), (k2["SSHPublicKeyId"], "Active")]
    assert "Fingerprint" not in listed[0]
    assert error_of(c.delete_user, UserName="git")[0] == "DeleteConflict"
    for x in listed:
        c.delete_ssh_public_key(UserName="git", SSHPublicKeyId=x["SSHPublicKeyId"])
    assert error_of(c.get_ssh_public_key, UserName="git", SSHPublicKeyId=kid, Encoding="SSH") == \
        ("NoSuchEntity", 404, f"The Public Key with id {kid} cannot be found.")
    c.delete_user(UserName="git")


def test_service_specific_credentials(gureum):
    """LocalStack's recordings of AWS: USER-at-ACCOUNT, the password only from Create and Reset,
    CodeCommit and Keyspaces only, two per user and service."""
    c = gureum.client("iam")
    c.create_user(UserName="coder")
    cred = c.create_service_specific_credential(UserName="coder",
                                                ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    cid = cred["ServiceSpecificCredentialId"]
    assert cred["ServiceUserName"] == f"coder-at-{ACCOUNT}" and cred["Status"] == "Active"
    assert re.fullmatch(r"ACCA[A-Z2-7]{17}", cid) and len(base64.b64decode(cred["ServicePassword"])) == 32
    assert error_of(c.create_service_specific_credential, UserName="coder", ServiceName="lambda.amazonaws.com") == \
        ("NoSuchEntity", 404, "No such service lambda.amazonaws.com is supported for Service Specific Credentials")
    assert error_of(c.create_service_specific_credential, UserName="ghost",
                    ServiceName="codecommit.amazonaws.com") == \
        ("NoSuchEntity", 404, "The user with name ghost cannot be found.")
    c.create_service_specific_credential(UserName="coder", ServiceName="codecommit.amazonaws.com")
    assert error_of(c.create_service_specific_credential, UserName="coder",
                    ServiceName="codecommit.amazonaws.com")[:2] == ("LimitExceeded", 409)
    c.update_service_specific_credential(UserName="coder", ServiceSpecificCredentialId=cid, Status="Inactive")
    reset = c.reset_service_specific_credential(UserName="coder",
                                                ServiceSpecificCredentialId=cid)["ServiceSpecificCredential"]
    assert reset["Status"] == "Inactive" and reset["ServicePassword"] != cred["ServicePassword"]
    listed = c.list_service_specific_credentials(UserName="coder")["ServiceSpecificCredentials"]
    assert len(listed) == 2 and all("ServicePassword" not in x for x in listed)
    assert c.list_service_specific_credentials(UserName="coder",
                                               ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredentials"] == []
    assert error_of(c.delete_service_specific_credential, UserName="coder",
                    ServiceSpecificCredentialId="satisfiesregexbutstillinvalid") == \
        ("NoSuchEntity", 404, "No such credential satisfiesregexbutstillinvalid exists")
    assert error_of(c.delete_user, UserName="coder") == \
        ("DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.")
    for x in listed:
        c.delete_service_specific_credential(UserName="coder",
                                             ServiceSpecificCredentialId=x["ServiceSpecificCredentialId"])
    c.delete_user(UserName="coder")


def test_server_certificate_tags(gureum, tmp_path):
    c = gureum.client("iam")
    key, crt = tmp_path / "s.key", tmp_path / "s.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "30", "-subj", "/CN=s"], check=True, capture_output=True)
    c.upload_server_certificate(ServerCertificateName="tagged", CertificateBody=crt.read_text(),
                                PrivateKey=key.read_text())
    c.tag_server_certificate(ServerCertificateName="TAGGED", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    c.untag_server_certificate(ServerCertificateName="tagged", TagKeys=["a"])
    assert c.list_server_certificate_tags(ServerCertificateName="tagged")["Tags"] == [{"Key": "b", "Value": "2"}]
    assert c.get_server_certificate(ServerCertificateName="tagged")["ServerCertificate"]["Tags"] == \
        [{"Key": "b", "Value": "2"}]
    assert error_of(c.tag_server_certificate, ServerCertificateName="nope", Tags=[{"Key": "a", "Value": "1"}]) == \
        ("NoSuchEntity", 404, "The Server Certificate with name nope cannot be found.")


def test_context_keys(gureum):
    """AWS's example (API reference, GetContextKeysForCustomPolicy): the variables a resource uses and
    the keys its conditions name, once each; for a principal, its own policies (a user's groups' too)."""
    import json
    c = gureum.client("iam")
    doc = {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "dynamodb:*",
        "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",
        "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2015-08-16T12:00:00Z"}}}}
    assert c.get_context_keys_for_custom_policy(PolicyInputList=[json.dumps(doc)])["ContextKeyNames"] == \
        ["aws:username", "aws:CurrentTime"]
    other = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:userid}/${*}",
         "Condition": {"StringEquals": {"s3:prefix": ["${aws:username}/"], "aws:currenttime": "x"},
                       "Bool": {"aws:SecureTransport": "true"}}}]}
    assert c.get_context_keys_for_custom_policy(PolicyInputList=[json.dumps(doc), json.dumps(other)])[
        "ContextKeyNames"] == ["aws:username", "aws:CurrentTime", "aws:userid", "s3:prefix", "aws:SecureTransport"]
    assert error_of(c.get_context_keys_for_custom_policy, PolicyInputList=["{not json"])[:2] == ("InvalidInput", 400)
    c.create_user(UserName="ctx")
    c.create_group(GroupName="ctxg")
    c.add_user_to_group(GroupName="ctxg", UserName="ctx")
    c.put_group_policy(GroupName="ctxg", PolicyName="p", PolicyDocument=json.dumps(other))
    keys = c.get_context_keys_for_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/ctx",
                                                   PolicyInputList=[json.dumps(doc)])["ContextKeyNames"]
    assert sorted(k.lower() for k in keys) == ["aws:currenttime", "aws:securetransport", "aws:userid",
                                               "aws:username", "s3:prefix"]
    assert error_of(c.get_context_keys_for_principal_policy,
                    PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/ghost")[:2] == ("NoSuchEntity", 404)
