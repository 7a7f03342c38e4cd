"""test_dataident_catalogue.py — AWS's whole catalogue of managed data
identifiers (CloudWatch Logs User Guide, "Types of data that you can
protect"; the SNS Developer Guide lists the same) end to end with boto3: a
policy naming every identifier is taken by both services, and identifiers
beyond the first six (national insurance and NHS numbers, IBANs, CPF,
passports, driver's licences, phone numbers, secret keys, postal codes) are
really detected — masked in CloudWatch Logs (GetLogEvents, FilterLogEvents;
unmask=true shows the original) and de-identified or denied by SNS — only
with the keyword AWS requires near them and a valid checksum. The detector is
services/dataident.c.
"""
import json

import botocore.exceptions
import pytest

from test_logs_new import dp_policy, put_events
from test_sns import drain, queue_for, sns, sqs  # noqa: F401 (sns, sqs: the module's fixtures)

IDENT = "arn:aws:dataprotection::aws:data-identifier/"

# The catalogue's names as AWS's data identifier ARNs end (the ARN tables of
# the user guides' Credentials, Device, Financial, PHI and PII pages).
CATALOGUE = (
    ["Address", "AwsSecretKey", "CreditCardExpiration", "CreditCardMagneticStripe", "CreditCardNumber",
     "CreditCardSecurityCode", "DateOfBirth", "EmailAddress", "IpAddress", "LatLong", "Name", "OpenSshPrivateKey",
     "PgpPrivateKey", "PkcsPrivateKey", "PuttyPrivateKey", "VehicleIdentificationNumber", "PhoneNumber"]
    + ["BankAccountNumber-" + c for c in ("DE", "ES", "FR", "GB", "IT", "US")]
    + ["CepCode-BR", "Cnpj-BR", "CpfCode-BR", "RgNumber-BR"]
    + ["DriversLicense-" + c for c in "AT AU BE BG CA CY CZ DE DK EE ES FI FR GB GR HR HU IE IT LT LU LV MT NL PL "
                                      "PT RO SE SI SK US".split()]
    + ["DrugEnforcementAgencyNumber-US", "ElectoralRollNumber-GB", "HealthInsuranceCardNumber-EU",
       "HealthInsuranceClaimNumber-US", "HealthInsuranceNumber-FR", "HealthcareProcedureCode-US",
       "IndividualTaxIdentificationNumber-US", "InseeCode-FR", "MedicareBeneficiaryNumber-US", "NationalDrugCode-US",
       "NationalIdentificationNumber-DE", "NationalIdentificationNumber-ES", "NationalIdentificationNumber-IT",
       "NationalInsuranceNumber-GB", "NationalProviderId-US", "NhsNumber-GB", "NieNumber-ES", "NifNumber-ES",
       "PermanentResidenceNumber-CA", "PersonalHealthNumber-CA", "PostalCode-CA", "SocialInsuranceNumber-CA",
       "Ssn-ES", "Ssn-US", "ZipCode-US"]
    + ["PassportNumber-" + c for c in ("CA", "DE", "ES", "FR", "GB", "IT", "US")]
    + ["PhoneNumber-" + c for c in ("BR", "DE", "ES", "FR", "GB", "IT", "US")]
    + ["TaxId-" + c for c in ("DE", "ES", "FR", "GB")]
)

# (identifier, a sensitive value, the text around it with its keyword, the
# same value without a keyword or with a bad check digit: left alone)
CASES = [
    ("NationalInsuranceNumber-GB", "AB 12 34 56 C", "nino {} on file", "ref BG 12 34 56 C"),
    ("NhsNumber-GB", "943 476 5919", "NHS number {}", "nhs 943 476 5918"),
    ("BankAccountNumber-DE", "DE89 3704 0044 0532 0130 00", "IBAN: {}", "order DE89 3704 0044 0532 0130 00"),
    ("CpfCode-BR", "529.982.247-25", "cpf={}", "cpf=529.982.247-26"),
    ("PassportNumber-US", "123456789", "passport {}", "invoice 123456789"),
    ("DriversLicense-US", "D1234567", "driver's license: {}", "sku D1234567"),
    ("PhoneNumber-GB", "+44 20 7946 0958", "call {} now", "call 20 7946 0958 now"),
    ("AwsSecretKey", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key={}",
     "digest wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("PostalCode-CA", "K1A 0B1", "Ottawa ON {}", "grid D1A 0B1"),
]


@pytest.fixture(scope="module")
def logs(gureum):
    return gureum.client("logs")


def masked(template, value):
    return template.format("*" * len(value))


def sns_policy(*statements):
    return json.dumps({"Name": "dp", "Description": "catalogue", "Version": "2021-06-01",
                       "Statement": list(statements)})


def sns_stmt(op, names):
    return {"DataDirection": "Inbound", "Principal": ["*"], "DataIdentifier": [IDENT + n for n in names],
            "Operation": op}


def test_whole_catalogue_is_accepted(logs, sns):
    """A policy naming every managed identifier of AWS's catalogue is stored
    by CloudWatch Logs (group policy) and SNS (topic policy); a name outside
    the catalogue is refused with a message pointing to AWS's list."""
    idents = [IDENT + n for n in CATALOGUE]
    logs.create_log_group(logGroupName="/cat/all")
    doc = dp_policy(idents)
    assert logs.put_data_protection_policy(logGroupIdentifier="/cat/all", policyDocument=doc)["policyDocument"] == doc
    arn = sns.create_topic(Name="cat-all")["TopicArn"]
    sdoc = sns_policy(sns_stmt({"Deidentify": {"MaskConfig": {}}}, CATALOGUE))
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=sdoc)
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == sdoc
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_data_protection_policy(logGroupIdentifier="/cat/all", policyDocument=dp_policy([IDENT + "Ssn-XX"]))
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "CWL-managed-data-identifiers" in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=sns_policy(
            sns_stmt({"Deny": {}}, ["Ssn-XX"])))
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    assert "Ssn-XX is neither a managed data identifier" in e.value.response["Error"]["Message"]


def test_logs_masks_catalogue_identifiers(logs):
    """Events ingested after a group policy naming new identifiers have them
    masked in GetLogEvents and FilterLogEvents; unmask=true returns the
    original; the same values without a keyword or with a bad check digit
    stay as they were."""
    g = "/cat/mask"
    logs.create_log_group(logGroupName=g)
    logs.put_data_protection_policy(logGroupIdentifier=g, policyDocument=dp_policy(
        [IDENT + name for name, _, _, _ in CASES]))
    sensitive = [template.format(value) for _, value, template, _ in CASES]
    clean = [negative for _, _, _, negative in CASES]
    put_events(logs, g, "s", sensitive + clean)
    ev = logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True)["events"]
    want = [masked(template, value) for _, value, template, _ in CASES] + clean
    assert [e["message"] for e in ev] == want
    assert sorted(e["message"] for e in logs.filter_log_events(logGroupName=g)["events"]) == sorted(want)
    ev = logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True, unmask=True)["events"]
    assert [e["message"] for e in ev] == sensitive + clean


def test_sns_deidentifies_and_denies_catalogue_identifiers(sns, sqs):
    """An SNS Inbound Deidentify masks new identifiers in what a subscriber
    receives (MaskWithCharacter), a redacting one removes them, and a Deny
    naming one refuses the Publish only when the keyword is near."""
    arn = sns.create_topic(Name="cat-sns")["TopicArn"]
    url, qarn = queue_for(sqs, arn, "cat-sns-q")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=sns_policy(
        sns_stmt({"Deidentify": {"MaskConfig": {"MaskWithCharacter": "#"}}},
                 ["NationalInsuranceNumber-GB", "CpfCode-BR", "BankAccountNumber-DE"]),
        sns_stmt({"Deidentify": {"RedactConfig": {}}}, ["NhsNumber-GB"])))
    msg = "nino AB123456C, cpf 529.982.247-25, iban DE89370400440532013000, NHS 9434765919."
    sns.publish(TopicArn=arn, Message=msg)
    got = [m["Body"] for m in drain(sqs, url, want=1)]
    assert got == ["nino #########, cpf ##############, iban ######################, NHS ."]
    sns.publish(TopicArn=arn, Message="order AB123456C ref 9434765919")
    assert [m["Body"] for m in drain(sqs, url, want=1)] == ["order AB123456C ref 9434765919"]

    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=sns_policy(
        sns_stmt({"Deny": {}}, ["PassportNumber-GB"])))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=arn, Message="passport number 123456789")
    assert e.value.response["Error"]["Code"] == "AuthorizationError"
    assert "PassportNumber-GB" in e.value.response["Error"]["Message"]
    sns.publish(TopicArn=arn, Message="tracking 123456789")
    assert [m["Body"] for m in drain(sqs, url, want=1)] == ["tracking 123456789"]
