"""test_ec2_address.py — EC2 Elastic IPs end to end: AllocateAddress hands out addresses of
127.202.0.0/16 (loopback, so the host reaches an instance at its Elastic IP), unique and lowest-free,
five per region as AWS's default quota; DescribeAddresses by id, ip and filter, tags; associating with
an instance or a network interface that does not exist and AWS's other refusals (test_ec2_instance.py
associates with running instances); ReleaseAddress by
id and by ip; the CLIs.
"""
import json

import pytest

from conftest import refused


def test_allocate_describe_release(ec2):
    a = ec2.allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip",
                                                               "Tags": [{"Key": "Name", "Value": "WEB-EIP"}]}])
    assert (a["PublicIp"], a["Domain"]) == ("127.202.0.1", "vpc") and a["AllocationId"].startswith("eipalloc-")
    b = ec2.allocate_address(Domain="vpc")
    assert b["PublicIp"] == "127.202.0.2"
    got = ec2.describe_addresses(Filters=[{"Name": "tag:Name", "Values": ["WEB-EIP"]}])["Addresses"]
    assert [(x["AllocationId"], x["PublicIp"], x["Tags"]) for x in got] == [
        (a["AllocationId"], "127.202.0.1", [{"Key": "Name", "Value": "WEB-EIP"}])]
    assert [x["AllocationId"] for x in ec2.describe_addresses(PublicIps=["127.202.0.2"])["Addresses"]] == [
        b["AllocationId"]]
    err, status = refused(ec2.associate_address, AllocationId=a["AllocationId"], InstanceId="i-0123456789abcdef0")
    assert (err, status) == ({"Code": "InvalidInstanceID.NotFound",
                              "Message": "The instance ID 'i-0123456789abcdef0' does not exist"}, 400)
    err, _ = refused(ec2.associate_address, AllocationId=a["AllocationId"], NetworkInterfaceId="eni-0123456789abcdef0")
    assert err["Code"] == "InvalidNetworkInterfaceID.NotFound"
    err, _ = refused(ec2.disassociate_address, AssociationId="eipassoc-0123456789abcdef0")
    assert err == {"Code": "InvalidAssociationID.NotFound",
                   "Message": "The association ID 'eipassoc-0123456789abcdef0' does not exist"}
    ec2.release_address(AllocationId=a["AllocationId"])
    ec2.release_address(PublicIp="127.202.0.2")
    err, _ = refused(ec2.release_address, AllocationId=a["AllocationId"])
    assert err == {"Code": "InvalidAllocationID.NotFound",
                   "Message": f"The allocation ID '{a['AllocationId']}' does not exist"}
    err, _ = refused(ec2.describe_addresses, PublicIps=["127.202.0.2"])
    assert err == {"Code": "InvalidAddress.NotFound", "Message": "Address '127.202.0.2' not found."}
    # The freed address is handed out again, lowest first.
    c = ec2.allocate_address(Domain="vpc")
    assert c["PublicIp"] == "127.202.0.1"
    ec2.release_address(AllocationId=c["AllocationId"])


def test_quota(ec2):
    ids = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(5)]
    err, _ = refused(ec2.allocate_address, Domain="vpc")
    assert err == {"Code": "AddressLimitExceeded", "Message": "The maximum number of addresses has been reached."}
    for i in ids:
        ec2.release_address(AllocationId=i)
    assert ec2.describe_addresses()["Addresses"] == []


def test_cli(gureum, cli):
    p = gureum.aws("ec2", "allocate-address", "--domain", "vpc", cli=cli)
    assert p.returncode == 0, p.stderr
    alloc = json.loads(p.stdout)
    assert alloc["PublicIp"].startswith("127.202.0.")
    p = gureum.aws("ec2", "describe-addresses", "--allocation-ids", alloc["AllocationId"], "--query",
                   "Addresses[].PublicIp", "--output", "text", cli=cli)
    assert p.returncode == 0 and p.stdout.split() == [alloc["PublicIp"]], p.stderr
    p = gureum.aws("ec2", "release-address", "--allocation-id", alloc["AllocationId"], cli=cli)
    assert p.returncode == 0, p.stderr
