"""STS AssumeRoleWithSAML end to end: an IdP's signed SAML response (signed here
as IdPs sign it: the assertion canonicalized with Exclusive XML C14N by
libxml2's xmllint, RSA-SHA256 by openssl) is checked against the certificate
in the IAM SAML provider's metadata; the assertion's Role and
RoleSessionName attributes, its Issuer and times, and the role's trust policy
decide, with AWS's errors (IAM User Guide, "Troubleshooting SAML 2.0
federation"). The call is made both signed (older botocore) and unsigned, as
newer botocore sends it."""
import base64
import datetime
import hashlib
import json
import subprocess

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

ACCT = "000000000000"
ISSUER = "https://idp.example.com/saml"
DS = "http://www.w3.org/2000/09/xmldsig#"


def error_of(call, **kw):
    with pytest.raises(ClientError) as ei:
        call(**kw)
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def c14n(xml):
    return subprocess.run(["xmllint", "--exc-c14n", "-"], input=xml.encode(), check=True,
                          capture_output=True).stdout


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    d = tmp_path_factory.mktemp("idp")
    key, crt = d / "idp.key", d / "idp.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "30", "-subj", "/CN=idp.example.com"], check=True, capture_output=True)
    cert = "".join(l for l in crt.read_text().splitlines() if not l.startswith("-----"))
    return key, cert


def metadata(cert):
    return f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ISSUER}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data>
      <ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>""" + "\n<!-- AWS wants 1000 characters at least -->" * 12


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def assertion(role_pairs, session="alice@example.com", minutes=5, extra=""):
    now = datetime.datetime.now(datetime.timezone.utc)
    roles = "".join(f"<saml:AttributeValue xsi:type=\"xs:string\">{p}</saml:AttributeValue>" for p in role_pairs)
    sess = (f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
            f"<saml:AttributeValue>{session}</saml:AttributeValue></saml:Attribute>") if session else ""
    # attributes out of order, an escaped character and text around elements: all canonicalized
    return (f'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
            f'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'Version="2.0" IssueInstant="{iso(now)}" ID="_a75adf55">\n'
            f"  <saml:Issuer>{ISSUER}</saml:Issuer>\n"
            f'  <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
            f"alice &amp; co</saml:NameID>"
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData Recipient="https://signin.aws.amazon.com/saml" '
            f'NotOnOrAfter="{iso(now + datetime.timedelta(minutes=minutes))}"/></saml:SubjectConfirmation>'
            f"</saml:Subject>\n"
            f'  <saml:Conditions NotOnOrAfter="{iso(now + datetime.timedelta(minutes=minutes))}" '
            f'NotBefore="{iso(now - datetime.timedelta(minutes=1))}"><saml:AudienceRestriction>'
            f"<saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction>"
            f"</saml:Conditions>\n"
            f'  <saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
            f"{roles}</saml:Attribute>{sess}{extra}</saml:AttributeStatement>\n"
            f"</saml:Assertion>")


def signature_of(key, signed_xml, ref_id, sha1=False):
    """An enveloped ds:Signature over signed_xml (canonical form by xmllint; it keeps comments, so
    what is signed has none), as IdPs write it."""
    md, dm = (hashlib.sha1, f"{DS}sha1") if sha1 else (hashlib.sha256, "http://www.w3.org/2001/04/xmlenc#sha256")
    sm = f"{DS}rsa-sha1" if sha1 else "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    digest = base64.b64encode(md(c14n(signed_xml)).digest()).decode()
    signed_info = (f'<ds:SignedInfo xmlns:ds="{DS}">'
                   f'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
                   f'<ds:SignatureMethod Algorithm="{sm}"/>'
                   f'<ds:Reference URI="#{ref_id}"><ds:Transforms>'
                   f'<ds:Transform Algorithm="{DS}enveloped-signature"/>'
                   f'<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
                   f'<ds:DigestMethod Algorithm="{dm}"/>'
                   f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>")
    sig = subprocess.run(["openssl", "dgst", "-sha1" if sha1 else "-sha256", "-sign", str(key)],
                         input=c14n(signed_info), check=True, capture_output=True).stdout
    return (f'<ds:Signature xmlns:ds="{DS}">{signed_info}'
            f"<ds:SignatureValue>\n{base64.encodebytes(sig).decode()}</ds:SignatureValue></ds:Signature>")


def response(body, comment="<!-- from the test IdP -->", issuer_tail="", instant=None):
    instant = instant or iso(datetime.datetime.now(datetime.timezone.utc))
    return ('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" '
            f'IssueInstant="{instant}" '
            'Destination="https://signin.aws.amazon.com/saml">\n'
            f"<saml:Issuer>{ISSUER}</saml:Issuer>{issuer_tail}{comment}"
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            f"{body}</samlp:Response>")


def signed_response(key, assertion_xml, tamper=None, sha1=False):
    """The assertion signed (the Signature after its Issuer, as SAML's schema orders it), in a
    response that declares the assertion's namespace again: canonicalization must not care."""
    body = assertion_xml.replace("</saml:Issuer>", "</saml:Issuer>" + signature_of(key, assertion_xml, "_a75adf55",
                                                                                 sha1), 1)
    if tamper:
        body = tamper(body)
    return base64.b64encode(('<?xml version="1.0" encoding="UTF-8"?>\r\n' + response(body)).encode()).decode()


def response_signed(key, assertion_xml):
    """The whole response signed instead, as some IdPs do. Both renderings carry one IssueInstant:
    made a second apart, what was signed would not be what is sent."""
    instant = iso(datetime.datetime.now(datetime.timezone.utc))
    unsigned = response(assertion_xml, comment="", instant=instant)
    signed = response(assertion_xml, comment="", issuer_tail=signature_of(key, unsigned, "_r1"), instant=instant)
    return base64.b64encode(signed.encode()).decode()


@pytest.mark.parametrize("unsigned", [False, True], ids=["signed-call", "unsigned-call"])
def test_assume_role_with_saml(gureum, idp, unsigned):
    key, cert = idp
    iam = gureum.client("iam")
    name = "corp-idp" + ("-u" if unsigned else "")
    provider = iam.create_saml_provider(Name=name, SAMLMetadataDocument=metadata(cert))["SAMLProviderArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]}
    role = iam.create_role(RoleName="sso-admin" + name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    other = iam.create_role(RoleName="sso-other" + name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    sts = gureum.client("sts", config=Config(signature_version=UNSIGNED)) if unsigned else gureum.client("sts")

    good = signed_response(key, assertion([f"{provider},{role}"]))
    got = sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=good)
    assert got["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCT}:assumed-role/sso-admin{name}/alice@example.com"
    assert (got["Subject"], got["SubjectType"], got["Issuer"], got["Audience"]) == (
        "alice & co", "persistent", ISSUER, "https://signin.aws.amazon.com/saml")
    nq = base64.b64encode(hashlib.sha1(f"{ISSUER}{ACCT}/{name}".encode()).digest()).decode()
    assert got["NameQualifier"] == nq
    c = got["Credentials"]
    who = gureum.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c["SessionToken"]).get_caller_identity()
    assert who["Arn"] == got["AssumedRoleUser"]["Arn"]

    # the pair the Role attribute grants, either order; another role is refused
    assert error_of(sts.assume_role_with_saml, RoleArn=other, PrincipalArn=provider, SAMLAssertion=good) == \
        ("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithSAML")
    flipped = signed_response(key, assertion([f"{other},{provider}"]), sha1=True)
    assert sts.assume_role_with_saml(RoleArn=other, PrincipalArn=provider, SAMLAssertion=flipped)["Credentials"]
    whole = response_signed(key, assertion([f"{provider},{role}"], session="bob"))
    assert sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=whole)[
        "AssumedRoleUser"]["Arn"].endswith("/bob")
    # a changed byte anywhere the signature covers
    bad = signed_response(key, assertion([f"{provider},{role}"]),
                          tamper=lambda x: x.replace("alice &amp; co", "mallory &amp; co"))
    assert error_of(sts.assume_role_with_saml, RoleArn=role, PrincipalArn=provider, SAMLAssertion=bad) == \
        ("InvalidIdentityToken", 400, "Response signature invalid")
    unsigned_doc = base64.b64encode(base64.b64decode(good).decode().split("<ds:Signature")[0].encode() +
                                    b"</saml:Assertion></samlp:Response>").decode()
    assert error_of(sts.assume_role_with_saml, RoleArn=role, PrincipalArn=provider,
                    SAMLAssertion=unsigned_doc)[:2] == ("InvalidIdentityToken", 400)
    nosession = signed_response(key, assertion([f"{provider},{role}"], session=None))
    assert error_of(sts.assume_role_with_saml, RoleArn=role, PrincipalArn=provider, SAMLAssertion=nosession) == \
        ("InvalidIdentityToken", 400, "RoleSessionName is required in AuthnResponse")
    expired = signed_response(key, assertion([f"{provider},{role}"], minutes=-2))
    assert error_of(sts.assume_role_with_saml, RoleArn=role, PrincipalArn=provider,
                    SAMLAssertion=expired)[0] == "ExpiredTokenException"
    assert error_of(sts.assume_role_with_saml, RoleArn=role, PrincipalArn=provider + "x", SAMLAssertion=good) == \
        ("InvalidIdentityToken", 400, "Specified provider doesn't exist")


def test_session_tags_from_the_assertion(gureum, idp):
    """AWS ("Passing session tags using AssumeRoleWithSAML"): PrincipalTag:KEY
    attributes are the session's tags (they need sts:TagSession in the trust
    policy) and its aws:PrincipalTag keys."""
    key, cert = idp
    iam = gureum.client("iam")
    provider = iam.create_saml_provider(Name="tags-idp", SAMLMetadataDocument=metadata(cert))["SAMLProviderArn"]
    arns = {}
    for name, actions in (("sso-tags", ["sts:AssumeRoleWithSAML", "sts:TagSession"]),
                          ("sso-notags", ["sts:AssumeRoleWithSAML"])):
        arns[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider},
                                                    "Action": actions}]}))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*",
                                                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}))
    tag = ('<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:team">'
           "<saml:AttributeValue>blue</saml:AttributeValue></saml:Attribute>")
    sts = gureum.client("sts", config=Config(signature_version=UNSIGNED))

    def sqs(name, extra):
        doc = signed_response(key, assertion([f"{provider},{arns[name]}"], extra=extra))
        c = sts.assume_role_with_saml(RoleArn=arns[name], PrincipalArn=provider, SAMLAssertion=doc)["Credentials"]
        return gureum.client("sqs", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                             aws_session_token=c["SessionToken"])

    sqs("sso-tags", tag).list_queues()
    with pytest.raises(ClientError) as e:
        sqs("sso-tags", "").list_queues()
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda **kw: sqs("sso-notags", tag))[0] == "AccessDenied"  # no sts:TagSession
