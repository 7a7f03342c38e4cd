/* policy_test.c — the IAM policy parser and evaluator (src/auth/policy.c), table-driven.
 *
 * Every evaluation row is a documented AWS example or rule (IAM User Guide: example
 * policies, "Policy evaluation logic", "Condition operators", "Policy variables",
 * "Principal"/"NotPrincipal"), with AWS's documented outcome. Policies are written with
 * ' for " (and ` for a literal ') to keep the table readable. A second table holds
 * documents AWS rejects, with its MalformedPolicyDocument message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"

/* ==== principals ==== */
enum { ALICE, BOB, ROOT, SESS, XUSER, XDAVE, XSESS, XROOT, ANON, EC2SVC };
static const principal_t WHO[] = {
    [ALICE] = {.account = STR("111122223333"),
               .arn = STR("arn:aws:iam::111122223333:user/alice"),
               .user_id = STR("AIDAALICE"),
               .user_name = STR("alice")},
    [BOB] = {.account = STR("111122223333"),
             .arn = STR("arn:aws:iam::111122223333:user/bob"),
             .user_id = STR("AIDABOB"),
             .user_name = STR("bob")},
    [ROOT] = {.account = STR("111122223333"),
              .arn = STR("arn:aws:iam::111122223333:root"),
              .user_id = STR("111122223333"),
              .root = true},
    [SESS] = {.account = STR("111122223333"),
              .arn = STR("arn:aws:sts::111122223333:assumed-role/ReadRole/sess1"),
              .user_id = STR("AROAREAD:sess1")},
    [XUSER] = {.account = STR("444455556666"),
               .arn = STR("arn:aws:iam::444455556666:user/carol"),
               .user_id = STR("AIDACAROL"),
               .user_name = STR("carol")},
    [XDAVE] = {.account = STR("444455556666"),
               .arn = STR("arn:aws:iam::444455556666:user/dave"),
               .user_id = STR("AIDADAVE"),
               .user_name = STR("dave")},
    [XSESS] = {.account = STR("444455556666"),
               .arn = STR("arn:aws:sts::444455556666:assumed-role/Auditor/app"),
               .user_id = STR("AROAAUD:app")},
    [XROOT] = {.account = STR("444455556666"),
               .arn = STR("arn:aws:iam::444455556666:root"),
               .user_id = STR("444455556666"),
               .root = true},
    [ANON] = {.anonymous = true},
    [EC2SVC] = {.arn = STR("ec2.amazonaws.com")},
};

/* ==== policies (AWS documentation examples) ==== */
#define ALLOW_ALL "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*'}}"
#define ALLOW_S3 "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*'}}"
#define ALLOW_STS "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'sts:AssumeRole','Resource':'*'}}"
/* IAM UG: "Allows IAM users to access their own home directory in Amazon S3" */
#define S3HOME                                                                                                         \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'s3:ListAllMyBuckets','Resource':'*'},"           \
    "{'Effect':'Allow','Action':'s3:ListBucket','Resource':'arn:aws:s3:::amzn-s3-demo-bucket',"                        \
    "'Condition':{'StringLike':{'s3:prefix':['','home/','home/${aws:username}/*']}}},"                                 \
    "{'Effect':'Allow','Action':'s3:*','Resource':['arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}',"           \
    "'arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*']}]}"
#define S3HOME_2008                                                                                                    \
    "{'Version':'2008-10-17','Statement':{'Effect':'Allow','Action':'s3:*',"                                           \
    "'Resource':'arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*'}}"
#define S3HOME_NOVER                                                                                                   \
    "{'Statement':{'Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::amzn-s3-demo-bucket/home/"                \
    "${aws:username}/*'}}"
/* IAM UG: "Allows MFA-authenticated IAM users to manage their own credentials" (deny part) */
#define MFA_IFEXISTS                                                                                                   \
    "{'Version':'2012-10-17','Statement':[{'Sid':'AllowAll','Effect':'Allow','Action':'*','Resource':'*'},"            \
    "{'Sid':'DenyAllExceptListedIfNoMFA','Effect':'Deny','NotAction':['iam:CreateVirtualMFADevice',"                   \
    "'iam:EnableMFADevice','iam:GetUser','iam:ListMFADevices','iam:ListVirtualMFADevices',"                            \
    "'iam:ResyncMFADevice','sts:GetSessionToken'],'Resource':'*',"                                                     \
    "'Condition':{'BoolIfExists':{'aws:MultiFactorAuthPresent':'false'}}}]}"
/* IAM UG (Condition operators, Bool): without IfExists a missing key makes the Deny not apply */
#define MFA_BOOL                                                                                                       \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},"                             \
    "{'Effect':'Deny','Action':'*','Resource':'*','Condition':{'Bool':{'aws:MultiFactorAuthPresent':false}}}]}"
#define MFA_NULL                                                                                                       \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},"                             \
    "{'Effect':'Deny','Action':'*','Resource':'*','Condition':{'Null':{'aws:MultiFactorAuthAge':'true'}}}]}"
/* S3 UG: bucket policy allowing a user, denying non-TLS requests */
#define TLS_BUCKET                                                                                                     \
    "{'Version':'2012-10-17','Statement':[{'Sid':'AllowUser','Effect':'Allow',"                                        \
    "'Principal':{'AWS':'arn:aws:iam::111122223333:user/alice'},'Action':'s3:*',"                                      \
    "'Resource':['arn:aws:s3:::b','arn:aws:s3:::b/*']},{'Sid':'RestrictToTLSRequestsOnly','Effect':'Deny',"            \
    "'Principal':'*','Action':'s3:*','Resource':['arn:aws:s3:::b','arn:aws:s3:::b/*'],"                                \
    "'Condition':{'Bool':{'aws:SecureTransport':'false'}}}]}"
/* IAM UG: "AWS: Denies access to AWS based on the source IP" */
#define DENY_IP                                                                                                        \
    "{'Version':'2012-10-17','Statement':{'Effect':'Deny','Action':'*','Resource':'*','Condition':{"                   \
    "'NotIpAddress':{'aws:SourceIp':['192.0.2.0/24','203.0.113.0/24']},'Bool':{'aws:ViaAWSService':'false'}}}}"
#define ALLOW_IP6                                                                                                      \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*',"                            \
    "'Condition':{'IpAddress':{'aws:SourceIp':['2001:DB8:1234:5678::/64','203.0.113.7']}}}}"
/* IAM UG: "AWS: Allows access based on date and time" */
#define TIME_WINDOW                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:DescribeInstances','Resource':'*',"           \
    "'Condition':{'DateGreaterThan':{'aws:CurrentTime':'2020-04-01T00:00:00Z'},"                                       \
    "'DateLessThan':{'aws:CurrentTime':'2020-06-30T23:59:59Z'}}}}"
#define DATE_EPOCH                                                                                                     \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:*','Resource':'*',"                           \
    "'Condition':{'DateLessThanEquals':{'aws:CurrentTime':'1593561599'},"                                              \
    "'DateGreaterThan':{'aws:TokenIssueTime':'2020-01-01'}}}}"
#define DATE_EQ                                                                                                        \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:*','Resource':'*',"                           \
    "'Condition':{'DateNotEquals':{'aws:CurrentTime':['2020-01-01T00:00:00Z','2020-01-02T00:00:00Z']}}}}"
/* IAM UG: "AWS: Denies access to AWS based on the requested Region" */
#define DENY_REGION                                                                                                    \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},"                             \
    "{'Sid':'DenyAllOutsideRequestedRegions','Effect':'Deny','NotAction':['cloudfront:*','iam:*','route53:*',"         \
    "'support:*'],'Resource':'*','Condition':{'StringNotEquals':{'aws:RequestedRegion':['eu-central-1',"               \
    "'eu-west-1','eu-west-2','eu-west-3']}}}]}"
#define DENY_REGION_IC                                                                                                 \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},"                             \
    "{'Effect':'Deny','Action':'*','Resource':'*','Condition':{'StringNotEqualsIgnoreCase':"                           \
    "{'aws:RequestedRegion':['eu-west-1']}}}]}"
/* IAM UG: "Amazon EC2: Start or stop instances based on tags" (owner = user name) */
#define EC2_OWNER                                                                                                      \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':['ec2:StartInstances','ec2:StopInstances'],"      \
    "'Resource':'arn:aws:ec2:*:*:instance/*','Condition':{'StringEquals':{'aws:ResourceTag/Owner':"                    \
    "'${aws:username}'}}},{'Effect':'Allow','Action':'ec2:DescribeInstances','Resource':'*'}]}"
/* IAM UG, Policy variables: principal tags, defaults, special characters, aws:userid */
#define PTAG                                                                                                           \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:GetObject',"                                   \
    "'Resource':'arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*'}}"
#define PTAG_DEFAULT                                                                                                   \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:GetObject',"                                   \
    "'Resource':'arn:aws:s3:::bucket/${aws:PrincipalTag/team, `company-wide`}/*'}}"
#define SPECIAL                                                                                                        \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:GetObject',"                                   \
    "'Resource':'arn:aws:s3:::bucket/${*}/${?}/${$}x'}}"
#define USERID                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*',"                                           \
    "'Resource':'arn:aws:s3:::bucket/${aws:userid}/*'}}"
/* IAM UG: NotAction with Allow ("PowerUserAccess" shape) and NotResource with Deny */
#define NOT_IAM "{'Version':'2012-10-17','Statement':{'Effect':'Allow','NotAction':'iam:*','Resource':'*'}}"
#define ONLY_BUCKET                                                                                                    \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},"                             \
    "{'Effect':'Deny','Action':'s3:*','NotResource':['arn:aws:s3:::b','arn:aws:s3:::b/*']}]}"
#define WILD_ACT                                                                                                       \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':['iam:*AccessKey*','s3:List?ucket'],"              \
    "'Resource':'*'}}"
#define DENY_DELETE                                                                                                    \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'s3:*','Resource':'*'},"                          \
    "{'Effect':'Deny','Action':'s3:DeleteBucket','Resource':'*'}]}"
#define DENY_DELETE_ONLY                                                                                               \
    "{'Version':'2012-10-17','Statement':{'Effect':'Deny','Action':'s3:DeleteBucket','Resource':'*'}}"
#define RES_WILD                                                                                                       \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':["                                  \
    "'arn:aws:ec2:us-*-1:111122223333:instance/*','arn:aws:sqs:*:111122223333:queue*','arn:aws:logs:*',"               \
    "'arn:aws:s3:::b/file?.txt','arn:aws:iam::111122223333:user/Bob']}}"
#define RES_SEG                                                                                                        \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':"                                   \
    "'arn:aws:ec2:u*1:111122223333:instance/i-1'}}"
/* S3 UG: "Bucket owner granting cross-account bucket permissions" */
#define XACCT_BUCKET                                                                                                   \
    "{'Version':'2012-10-17','Statement':{'Sid':'Example permissions','Effect':'Allow',"                               \
    "'Principal':{'AWS':'arn:aws:iam::444455556666:root'},'Action':['s3:GetBucketLocation','s3:ListBucket'],"          \
    "'Resource':['arn:aws:s3:::amzn-s3-demo-bucket']}}"
#define XACCT_BUCKET_ID                                                                                                \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':['444455556666']},"                      \
    "'Action':'s3:ListBucket','Resource':'arn:aws:s3:::amzn-s3-demo-bucket'}}"
#define OWN_ACCT_BUCKET                                                                                                \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':'111122223333'},"                        \
    "'Action':'s3:*','Resource':'arn:aws:s3:::b/*'}}"
#define ROLE_BUCKET                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':["                                       \
    "'arn:aws:iam::111122223333:role/ReadRole','arn:aws:iam::444455556666:role/Auditor']},"                            \
    "'Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'}}"
#define SESSION_ARN_BUCKET                                                                                             \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':"                                        \
    "'arn:aws:sts::111122223333:assumed-role/ReadRole/sess1'},'Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'}}"
/* S3 UG: "Granting read-only permission to a public anonymous user" */
#define PUBLIC_READ                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Sid':'PublicRead','Effect':'Allow','Principal':'*',"                        \
    "'Action':['s3:GetObject','s3:GetObjectVersion'],'Resource':['arn:aws:s3:::b/*']}}"
/* IAM UG: trust policies — third party with external id, service, user, role chaining */
#define TRUST_EXTID                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':'444455556666'},"                        \
    "'Action':'sts:AssumeRole','Condition':{'StringEquals':{'sts:ExternalId':'Unique ID Assigned by Example Corp'}}}}"
#define TRUST_EC2                                                                                                      \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Principal':{'Service':['ec2.amazonaws.com']},"            \
    "'Action':'sts:AssumeRole'}]}"
#define TRUST_ALICE                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':"                                        \
    "'arn:aws:iam::111122223333:user/alice'},'Action':['sts:AssumeRole','sts:TagSession']}}"
#define TRUST_ROLE                                                                                                     \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':"                                        \
    "'arn:aws:iam::111122223333:role/division/ReadRole'},'Action':'sts:AssumeRole'}}"
#define TRUST_ANY_ACCT                                                                                                 \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':'*'},'Action':'sts:AssumeRole',"         \
    "'Condition':{'StringEquals':{'aws:PrincipalAccount':'444455556666'}}}}"
/* IAM UG: NotPrincipal with Deny — listing the user and its account */
#define NOTPRIN(list)                                                                                                  \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Principal':{'AWS':'444455556666'},'Action':'s3:*',"       \
    "'Resource':['arn:aws:s3:::b','arn:aws:s3:::b/*']},{'Effect':'Deny','NotPrincipal':{'AWS':[" list "]},"            \
    "'Action':'s3:*','Resource':['arn:aws:s3:::b','arn:aws:s3:::b/*']}]}"
#define NP_CAROL NOTPRIN("'arn:aws:iam::444455556666:user/carol','arn:aws:iam::444455556666:root'")
#define NP_CAROL_ONLY NOTPRIN("'arn:aws:iam::444455556666:user/carol'")
#define NP_SESS                                                                                                        \
    NOTPRIN("'arn:aws:sts::444455556666:assumed-role/Auditor/app','arn:aws:iam::444455556666:role/Auditor',"           \
            "'arn:aws:iam::444455556666:root'")
#define NP_ROLE_ONLY NOTPRIN("'arn:aws:iam::444455556666:role/Auditor','arn:aws:iam::444455556666:root'")
/* IAM UG, "Multivalued context keys" examples with aws:TagKeys */
#define FORALL                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:CreateTags','Resource':'*',"                  \
    "'Condition':{'ForAllValues:StringEquals':{'aws:TagKeys':['environment','cost-center']}}}}"
#define FORANY                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:CreateTags','Resource':'*',"                  \
    "'Condition':{'ForAnyValue:StringEquals':{'aws:TagKeys':['environment','cost-center']}}}}"
#define FORALL_NULL                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:CreateTags','Resource':'*',"                  \
    "'Condition':{'ForAllValues:StringEquals':{'aws:TagKeys':['environment','cost-center']},"                          \
    "'Null':{'aws:TagKeys':'false'}}}}"
#define DENY_ANY_SECRET                                                                                                \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},"                             \
    "{'Effect':'Deny','Action':'*','Resource':'*','Condition':{'ForAnyValue:StringEquals':{'aws:TagKeys':'secret'}}}]" \
    "}"
#define FORALL_LIKE                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:CreateTags','Resource':'*',"                  \
    "'Condition':{'ForAllValues:StringLike':{'aws:TagKeys':'key*'}}}}"
#define FORANY_NOTEQ                                                                                                   \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:CreateTags','Resource':'*',"                  \
    "'Condition':{'ForAnyValue:StringNotEquals':{'aws:TagKeys':['a','b']}}}}"
#define FORALL_IC                                                                                                      \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:CreateTags','Resource':'*',"                  \
    "'Condition':{'ForAllValues:StringEqualsIgnoreCase':{'aws:TagKeys':'Environment'}}}}"
/* IAM UG (Condition operators, …IfExists): instance types */
#define IFEXISTS                                                                                                       \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:RunInstances','Resource':'*',"                \
    "'Condition':{'StringLikeIfExists':{'ec2:InstanceType':['t1.*','t2.*','m3.*']}}}}"
#define NO_IFEXISTS                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'ec2:RunInstances','Resource':'*',"                \
    "'Condition':{'StringLike':{'ec2:InstanceType':['t1.*','t2.*','m3.*']}}}}"
/* IAM UG (Condition operators, Null): only long-term credentials */
#define NULL_TOKEN                                                                                                     \
    "{'Version':'2012-10-17','Statement':{'Action':'ec2:*','Effect':'Allow','Resource':'*',"                           \
    "'Condition':{'Null':{'aws:TokenIssueTime':'true'}}}}"
#define NULL_FALSE                                                                                                     \
    "{'Version':'2012-10-17','Statement':{'Action':'ec2:*','Effect':'Allow','Resource':'*',"                           \
    "'Condition':{'Null':{'aws:TokenIssueTime':false}}}}"
/* S3 UG: s3:max-keys with NumericLessThanEquals; other numeric forms */
#define MAXKEYS                                                                                                        \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:ListBucket','Resource':'*',"                   \
    "'Condition':{'NumericLessThanEquals':{'s3:max-keys':'10'}}}}"
#define NUM_NE                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:ListBucket','Resource':'*',"                   \
    "'Condition':{'NumericNotEquals':{'s3:max-keys':[1,2]}}}}"
#define NUM_GT                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:ListBucket','Resource':'*',"                   \
    "'Condition':{'NumericGreaterThan':{'s3:max-keys':1.5},'NumericLessThan':{'s3:max-keys':100}}}}"
#define NUM_EQ                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:ListBucket','Resource':'*',"                   \
    "'Condition':{'NumericEquals':{'s3:max-keys':10},'NumericGreaterThanEquals':{'s3:max-keys':'10'}}}}"
#define BOOL_JSON                                                                                                      \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*',"                            \
    "'Condition':{'Bool':{'aws:SecureTransport':true}}}}"
#define BINARY                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*',"                            \
    "'Condition':{'BinaryEquals':{'s3:x-bin':'QmluYXJ5VmFsdWVJbkJhc2U2NA=='}}}}"
/* SNS/SQS UG: aws:SourceArn with ArnEquals / ArnLike */
#define ARN_EQ                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'sqs:SendMessage','Resource':'*',"                 \
    "'Condition':{'ArnEquals':{'aws:SourceArn':'arn:aws:sns:us-east-2:444455556666:MyTopic'}}}}"
#define ARN_LIKE                                                                                                       \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'sqs:SendMessage','Resource':'*',"                 \
    "'Condition':{'ArnLike':{'aws:SourceArn':['arn:aws:iam::*:role/*','arn:aws:s3:::*']}}}}"
#define ARN_SHORT                                                                                                      \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'sqs:SendMessage','Resource':'*',"                 \
    "'Condition':{'ArnLike':{'aws:SourceArn':'arn:aws:sqs:*'}}}}"
#define ARN_NOT                                                                                                        \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'sqs:SendMessage','Resource':'*',"                 \
    "'Condition':{'ArnNotLike':{'aws:SourceArn':'arn:aws:sns:*:*:Bad*'}}}}"
#define STR_EQ_STAR                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:ListBucket','Resource':'*',"                   \
    "'Condition':{'StringEquals':{'s3:prefix':'home/*'}}}}"
#define STR_LIKE_Q                                                                                                     \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:ListBucket','Resource':'*',"                   \
    "'Condition':{'StringLike':{'s3:prefix':['home/?/*']}}}}"
#define STR_IC                                                                                                         \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:ListBucket','Resource':'*',"                   \
    "'Condition':{'StringEqualsIgnoreCase':{'s3:prefix':'Home/'}}}}"
#define DENY_NOTLIKE                                                                                                   \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'s3:*','Resource':'*'},"                          \
    "{'Effect':'Deny','Action':'s3:ListBucket','Resource':'*','Condition':{'StringNotLike':{'s3:prefix':"              \
    "['home/${aws:username}/*','']}}}]}"
#define MULTI_KEY                                                                                                      \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:PutObject','Resource':'*',"                    \
    "'Condition':{'StringEquals':{'s3:x-amz-acl':['private','bucket-owner-full-control'],"                             \
    "'s3:x-amz-server-side-encryption':'AES256'},'IpAddress':{'AWS:SOURCEIP':'10.0.0.0/8'}}}}"
#define USERNAME_COND                                                                                                  \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'iam:ChangePassword','Resource':'*',"              \
    "'Condition':{'StringEquals':{'aws:username':'alice'}}}}"
#define USERID_COND                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*',"                            \
    "'Condition':{'StringLike':{'aws:userid':'AROAREAD:*'}}}}"
#define PRINCIPAL_ARN_COND                                                                                             \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*',"                            \
    "'Condition':{'ArnLike':{'aws:PrincipalArn':'arn:aws:iam::111122223333:role/Read*'}}}}"
#define SESSION_GET                                                                                                    \
    "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'}}"
#define SESSION_DENY_GET                                                                                               \
    "{'Version':'2012-10-17','Statement':[{'Effect':'Allow','Action':'*','Resource':'*'},"                             \
    "{'Effect':'Deny','Action':'s3:GetObject','Resource':'*'}]}"
#define STMT_OBJECT_ADMIN "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*'}}"

typedef struct {
    int line;
    const char *id[3]; /* identity policies */
    const char *sess;  /* session policy */
    const char *res;   /* resource or trust policy */
    bool trust;        /* res is a trust policy */
    int who;
    const char *action, *arn;
    const char *ctx; /* "key=v1|v2;key2=v" ("key=" is a key with no values) */
    bool cross;      /* caller outside the resource's account */
    policy_result_t want;
} tc_t;

#define A POLICY_ALLOW
#define I POLICY_IMPLICIT_DENY
#define D POLICY_EXPLICIT_DENY
#define ID1(p) .id = {p}
#define C(...)                                                                                                         \
    {                                                                                                                  \
        __LINE__, __VA_ARGS__                                                                                          \
    }

static const tc_t CASES[] = {
    /* ---- S3 home folders with ${aws:username} ---- */
    C(ID1(S3HOME), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/f.txt",
      .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/f.txt",
      .want = I),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:PutObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/a/b/c",
      .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .ctx = "s3:prefix=home/alice/", .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .ctx = "s3:prefix=home/bob/", .want = I),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .ctx = "s3:prefix=|", .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .ctx = "s3:prefix=home/", .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket", .want = I),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:ListAllMyBuckets", .arn = "*", .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "S3:getobject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/x",
      .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::AMZN-S3-DEMO-BUCKET/home/alice/x",
      .want = I),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/Alice/x",
      .want = I),
    C(ID1(S3HOME), .who = BOB, .action = "s3:DeleteObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/x",
      .want = A),
    C(ID1(S3HOME), .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home//x", .want = I),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/alice",
      .want = A),
    C(ID1(S3HOME_2008), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/x",
      .want = I),
    C(ID1(S3HOME_2008), .who = ALICE, .action = "s3:GetObject",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/x", .want = A),
    C(ID1(S3HOME_NOVER), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/x",
      .want = I),
    C(ID1(S3HOME_NOVER), .who = ALICE, .action = "s3:GetObject",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/x", .want = A),
    C(ID1(S3HOME), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket/home/carol/x",
      .ctx = "aws:username=carol", .want = A),
    /* ---- MFA ---- */
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = D),
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:MultiFactorAuthPresent=true", .want = A),
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:MultiFactorAuthPresent=false", .want = D),
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "iam:EnableMFADevice", .arn = "*", .want = A),
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "sts:GetSessionToken", .arn = "*",
      .ctx = "aws:MultiFactorAuthPresent=false", .want = A),
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "IAM:enablemfadevice", .arn = "*", .want = A),
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:MultiFactorAuthPresent=FALSE", .want = D),
    C(ID1(MFA_IFEXISTS), .who = ALICE, .action = "iam:CreateUser", .arn = "*", .ctx = "AWS:multifactorauthpresent=true",
      .want = A),
    C(ID1(MFA_BOOL), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = A),
    C(ID1(MFA_BOOL), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "aws:MultiFactorAuthPresent=false",
      .want = D),
    C(ID1(MFA_BOOL), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "aws:MultiFactorAuthPresent=true",
      .want = A),
    C(ID1(MFA_NULL), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = D),
    C(ID1(MFA_NULL), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "aws:MultiFactorAuthAge=300",
      .want = A),
    /* ---- SecureTransport bucket policy ---- */
    C(.res = TLS_BUCKET, .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=true", .want = A),
    C(.res = TLS_BUCKET, .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=false", .want = D),
    C(.res = TLS_BUCKET, .who = BOB, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=true", .want = I),
    C(ID1(ALLOW_S3), .res = TLS_BUCKET, .who = BOB, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=true", .want = A),
    C(ID1(ALLOW_S3), .res = TLS_BUCKET, .who = BOB, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=false", .want = D),
    C(.res = TLS_BUCKET, .who = ANON, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=false", .want = D),
    C(.res = TLS_BUCKET, .who = ANON, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=true", .want = I),
    C(.res = TLS_BUCKET, .who = ROOT, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=false", .want = D),
    C(.res = TLS_BUCKET, .who = ROOT, .action = "s3:DeleteBucket", .arn = "arn:aws:s3:::b",
      .ctx = "aws:SecureTransport=true", .want = A),
    C(.res = TLS_BUCKET, .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::other/k",
      .ctx = "aws:SecureTransport=true", .want = I),
    /* ---- source IP ---- */
    C(.id = {ALLOW_ALL, DENY_IP}, .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:SourceIp=192.0.2.5;aws:ViaAWSService=false", .want = A),
    C(.id = {ALLOW_ALL, DENY_IP}, .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:SourceIp=198.51.100.1;aws:ViaAWSService=false", .want = D),
    C(.id = {ALLOW_ALL, DENY_IP}, .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:SourceIp=198.51.100.1;aws:ViaAWSService=true", .want = A),
    C(.id = {ALLOW_ALL, DENY_IP}, .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:SourceIp=203.0.113.255;aws:ViaAWSService=false", .want = A),
    C(.id = {ALLOW_ALL, DENY_IP}, .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:SourceIp=2001:db8::1;aws:ViaAWSService=false", .want = D),
    C(.id = {ALLOW_ALL, DENY_IP}, .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:ViaAWSService=false", .want = D),
    C(.id = {ALLOW_ALL, DENY_IP}, .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:SourceIp=192.0.3.1", .want = A),
    C(ID1(ALLOW_IP6), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:SourceIp=2001:db8:1234:5678::1",
      .want = A),
    C(ID1(ALLOW_IP6), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:SourceIp=2001:db8:1234:5679::1",
      .want = I),
    C(ID1(ALLOW_IP6), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:SourceIp=203.0.113.7", .want = A),
    C(ID1(ALLOW_IP6), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:SourceIp=203.0.113.8", .want = I),
    C(ID1(ALLOW_IP6), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:SourceIp=not-an-ip", .want = I),
    C(ID1(ALLOW_IP6), .who = ALICE, .action = "s3:GetObject", .arn = "*", .want = I),
    /* ---- time windows ---- */
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-05-01T12:00:00Z", .want = A),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-03-31T23:59:59Z", .want = I),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-07-01T00:00:00Z", .want = I),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-06-30T23:59:58Z", .want = A),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-06-30T23:59:59Z", .want = I),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*", .want = I),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*",
      .ctx = "aws:CurrentTime=1588334400", .want = A),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-07-01T01:00:00+02:00", .want = A),
    C(ID1(TIME_WINDOW), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*", .ctx = "aws:CurrentTime=garbage",
      .want = I),
    C(ID1(DATE_EPOCH), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-06-01T00:00:00Z;aws:TokenIssueTime=2020-02-01T00:00:00Z", .want = A),
    C(ID1(DATE_EPOCH), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-07-01T00:00:00Z;aws:TokenIssueTime=2020-02-01T00:00:00Z", .want = I),
    C(ID1(DATE_EPOCH), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-06-01T00:00:00Z;aws:TokenIssueTime=2019-12-31T23:00:00Z", .want = I),
    C(ID1(DATE_EQ), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-01-03T00:00:00Z", .want = A),
    C(ID1(DATE_EQ), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-01-02T00:00:00Z", .want = I),
    C(ID1(DATE_EQ), .who = ALICE, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:CurrentTime=2020-01-01T00:00:00.000Z", .want = I),
    /* ---- requested region ---- */
    C(ID1(DENY_REGION), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "aws:RequestedRegion=eu-west-1",
      .want = A),
    C(ID1(DENY_REGION), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "aws:RequestedRegion=us-east-1",
      .want = D),
    C(ID1(DENY_REGION), .who = ALICE, .action = "iam:CreateUser", .arn = "*", .ctx = "aws:RequestedRegion=us-east-1",
      .want = A),
    C(ID1(DENY_REGION), .who = ALICE, .action = "route53:ChangeResourceRecordSets", .arn = "*",
      .ctx = "aws:RequestedRegion=us-east-1", .want = A),
    C(ID1(DENY_REGION), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = D),
    C(ID1(DENY_REGION), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:RequestedRegion=EU-WEST-1",
      .want = D),
    C(ID1(DENY_REGION), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:RequestedRegion=eu-central-1",
      .want = A),
    C(ID1(DENY_REGION_IC), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:RequestedRegion=EU-WEST-1",
      .want = A),
    C(ID1(DENY_REGION_IC), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:RequestedRegion=us-west-1",
      .want = D),
    /* ---- EC2 owner tag = ${aws:username} ---- */
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:StartInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-123", .ctx = "aws:ResourceTag/Owner=alice", .want = A),
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:StopInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-123", .ctx = "aws:ResourceTag/Owner=bob", .want = I),
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:StartInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-123", .want = I),
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:StartInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-123", .ctx = "aws:resourcetag/owner=alice", .want = A),
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:DescribeInstances", .arn = "*", .want = A),
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:TerminateInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-123", .ctx = "aws:ResourceTag/Owner=alice", .want = I),
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:StartInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:volume/vol-1", .ctx = "aws:ResourceTag/Owner=alice", .want = I),
    C(ID1(EC2_OWNER), .who = ALICE, .action = "ec2:StartInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-123", .ctx = "aws:ResourceTag/Owner=Alice", .want = I),
    /* ---- policy variables ---- */
    C(ID1(PTAG), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/eng/x",
      .ctx = "aws:PrincipalTag/team=eng", .want = A),
    C(ID1(PTAG), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/ops/x",
      .ctx = "aws:PrincipalTag/team=eng", .want = I),
    C(ID1(PTAG), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/eng/x", .want = I),
    C(ID1(PTAG), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/*/x",
      .ctx = "aws:PrincipalTag/team=*", .want = A),
    C(ID1(PTAG), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/eng/x",
      .ctx = "aws:PrincipalTag/team=*", .want = I),
    C(ID1(PTAG_DEFAULT), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/company-wide/x",
      .want = A),
    C(ID1(PTAG_DEFAULT), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/eng/x",
      .ctx = "aws:PrincipalTag/team=eng", .want = A),
    C(ID1(PTAG_DEFAULT), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/company-wide/x",
      .ctx = "aws:PrincipalTag/team=eng", .want = I),
    C(ID1(SPECIAL), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/*/?/$x", .want = A),
    C(ID1(SPECIAL), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/a/b/$x", .want = I),
    C(ID1(USERID), .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/AROAREAD:sess1/x", .want = A),
    C(ID1(USERID), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/AIDAALICE/x", .want = A),
    C(ID1(USERID), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::bucket/AIDABOB/x", .want = I),
    /* ---- NotAction / NotResource / wildcards in actions ---- */
    C(ID1(NOT_IAM), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = A),
    C(ID1(NOT_IAM), .who = ALICE, .action = "iam:CreateUser", .arn = "*", .want = I),
    C(ID1(NOT_IAM), .who = ALICE, .action = "IAM:createuser", .arn = "*", .want = I),
    C(ID1(ONLY_BUCKET), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/x", .want = A),
    C(ID1(ONLY_BUCKET), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .want = A),
    C(ID1(ONLY_BUCKET), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::other/x", .want = D),
    C(ID1(ONLY_BUCKET), .who = ALICE, .action = "s3:ListAllMyBuckets", .arn = "*", .want = D),
    C(ID1(ONLY_BUCKET), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = A),
    C(ID1(WILD_ACT), .who = ALICE, .action = "iam:CreateAccessKey", .arn = "*", .want = A),
    C(ID1(WILD_ACT), .who = ALICE, .action = "iam:ListAccessKeys", .arn = "*", .want = A),
    C(ID1(WILD_ACT), .who = ALICE, .action = "iam:CreateUser", .arn = "*", .want = I),
    C(ID1(WILD_ACT), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .want = A),
    C(ID1(WILD_ACT), .who = ALICE, .action = "s3:ListBuckets", .arn = "*", .want = I),
    C(ID1(WILD_ACT), .who = ALICE, .action = "s3:Listucket", .arn = "*", .want = I),
    /* ---- deny beats allow, across policies ---- */
    C(ID1(DENY_DELETE), .who = ALICE, .action = "s3:DeleteBucket", .arn = "arn:aws:s3:::b", .want = D),
    C(ID1(DENY_DELETE), .who = ALICE, .action = "s3:DeleteObject", .arn = "arn:aws:s3:::b/k", .want = A),
    C(.id = {ALLOW_ALL, DENY_DELETE_ONLY}, .who = ALICE, .action = "s3:DeleteBucket", .arn = "arn:aws:s3:::b",
      .want = D),
    C(.id = {DENY_DELETE_ONLY, ALLOW_ALL}, .who = ALICE, .action = "s3:deletebucket", .arn = "arn:aws:s3:::b",
      .want = D),
    C(ID1(DENY_DELETE_ONLY), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = I),
    C(.who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = I),
    C(.who = ROOT, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = A),
    /* ---- resource ARN wildcards ---- */
    C(ID1(RES_WILD), .who = ALICE, .action = "ec2:RunInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-1", .want = A),
    C(ID1(RES_WILD), .who = ALICE, .action = "ec2:RunInstances",
      .arn = "arn:aws:ec2:us-east-2:111122223333:instance/i-1", .want = I),
    C(ID1(RES_WILD), .who = ALICE, .action = "sqs:SendMessage", .arn = "arn:aws:sqs:eu-west-1:111122223333:queue-a",
      .want = A),
    C(ID1(RES_WILD), .who = ALICE, .action = "sqs:SendMessage", .arn = "arn:aws:sqs:eu-west-1:444455556666:queue-a",
      .want = I),
    C(ID1(RES_WILD), .who = ALICE, .action = "logs:PutLogEvents",
      .arn = "arn:aws:logs:us-east-1:111122223333:log-group:/a:log-stream:s", .want = A),
    C(ID1(RES_WILD), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/file1.txt", .want = A),
    C(ID1(RES_WILD), .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/file10.txt", .want = I),
    C(ID1(RES_WILD), .who = ALICE, .action = "iam:GetUser", .arn = "arn:aws:iam::111122223333:user/Bob", .want = A),
    C(ID1(RES_WILD), .who = ALICE, .action = "iam:GetUser", .arn = "arn:aws:iam::111122223333:user/bob", .want = I),
    C(ID1(RES_WILD), .who = ALICE, .action = "iam:GetUser", .arn = "*", .want = I),
    C(ID1(RES_SEG), .who = ALICE, .action = "ec2:RunInstances",
      .arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-1", .want = A),
    C(ID1(RES_SEG), .who = ALICE, .action = "ec2:RunInstances", .arn = "arn:aws:ec2:us:1:111122223333:instance/i-1",
      .want = I),
    C(ID1(ALLOW_ALL), .who = ALICE, .action = "iam:GetUser", .arn = "*", .want = A),
    /* ---- cross-account bucket policies ---- */
    C(ID1(ALLOW_S3), .res = XACCT_BUCKET, .who = XUSER, .action = "s3:ListBucket",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket", .cross = true, .want = A),
    C(.res = XACCT_BUCKET, .who = XUSER, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .cross = true, .want = I),
    C(ID1(ALLOW_S3), .res = XACCT_BUCKET, .who = XUSER, .action = "s3:GetObject",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket/k", .cross = true, .want = I),
    C(ID1(ALLOW_S3), .res = XACCT_BUCKET, .who = XSESS, .action = "s3:GetBucketLocation",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket", .cross = true, .want = A),
    C(.res = XACCT_BUCKET, .who = XROOT, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .cross = true, .want = A),
    C(.res = XACCT_BUCKET, .who = XROOT, .action = "s3:PutObject", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .cross = true, .want = I),
    C(.res = XACCT_BUCKET, .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::amzn-s3-demo-bucket",
      .want = I),
    C(ID1(ALLOW_S3), .res = XACCT_BUCKET, .who = ALICE, .action = "s3:ListBucket",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket", .want = A),
    C(ID1(ALLOW_S3), .res = XACCT_BUCKET_ID, .who = XUSER, .action = "s3:ListBucket",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket", .cross = true, .want = A),
    C(ID1(ALLOW_S3), .res = XACCT_BUCKET_ID, .who = ALICE, .action = "s3:ListBucket",
      .arn = "arn:aws:s3:::amzn-s3-demo-bucket", .cross = true, .want = I),
    C(.res = OWN_ACCT_BUCKET, .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = I),
    C(ID1(ALLOW_S3), .res = OWN_ACCT_BUCKET, .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .want = A),
    C(.res = TLS_BUCKET, .who = ALICE, .action = "s3:PutObject", .arn = "arn:aws:s3:::b/k",
      .ctx = "aws:SecureTransport=true", .want = A),
    C(.res = ROLE_BUCKET, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = A),
    C(.res = ROLE_BUCKET, .sess = SESSION_GET, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .want = A),
    C(.res = ROLE_BUCKET, .sess = NOT_IAM, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = A),
    C(.res = ROLE_BUCKET, .sess = MAXKEYS, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = I),
    C(.res = SESSION_ARN_BUCKET, .sess = MAXKEYS, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .want = A),
    C(.res = ROLE_BUCKET, .who = XSESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .cross = true, .want = I),
    C(ID1(ALLOW_S3), .res = ROLE_BUCKET, .who = XSESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .cross = true, .want = A),
    C(ID1(ALLOW_S3), .res = ROLE_BUCKET, .who = XUSER, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .cross = true, .want = I),
    C(.res = PUBLIC_READ, .who = ANON, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = A),
    C(.res = PUBLIC_READ, .who = ANON, .action = "s3:PutObject", .arn = "arn:aws:s3:::b/k", .want = I),
    C(.res = PUBLIC_READ, .who = XUSER, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .cross = true, .want = I),
    C(ID1(ALLOW_S3), .res = PUBLIC_READ, .who = XUSER, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .cross = true, .want = A),
    C(.res = PUBLIC_READ, .who = BOB, .action = "s3:GetObjectVersion", .arn = "arn:aws:s3:::b/k", .want = A),
    C(ID1(DENY_DELETE_ONLY), .res = PUBLIC_READ, .who = BOB, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .want = A),
    C(.id = {ALLOW_ALL}, .res = PUBLIC_READ, .sess = DENY_DELETE_ONLY, .who = SESS, .action = "s3:DeleteBucket",
      .arn = "arn:aws:s3:::b", .want = D),
    /* ---- trust policies (resource = the role) ---- */
    C(ID1(ALLOW_STS), .res = TRUST_EXTID, .trust = true, .who = XUSER, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .ctx = "sts:ExternalId=Unique ID Assigned by Example Corp",
      .cross = true, .want = A),
    C(ID1(ALLOW_STS), .res = TRUST_EXTID, .trust = true, .who = XUSER, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .ctx = "sts:ExternalId=other", .cross = true, .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_EXTID, .trust = true, .who = XUSER, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .cross = true, .want = I),
    C(.res = TRUST_EXTID, .trust = true, .who = XUSER, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .ctx = "sts:ExternalId=Unique ID Assigned by Example Corp",
      .cross = true, .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_EXTID, .trust = true, .who = ALICE, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .ctx = "sts:ExternalId=Unique ID Assigned by Example Corp", .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_EXTID, .trust = true, .who = XROOT, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .ctx = "sts:ExternalId=Unique ID Assigned by Example Corp",
      .cross = true, .want = I),
    C(.res = TRUST_EC2, .trust = true, .who = EC2SVC, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .cross = true, .want = A),
    C(ID1(ALLOW_STS), .res = TRUST_EC2, .trust = true, .who = ALICE, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .want = I),
    C(.res = TRUST_ALICE, .trust = true, .who = ALICE, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .want = A),
    C(.res = TRUST_ALICE, .trust = true, .who = ALICE, .action = "sts:TagSession",
      .arn = "arn:aws:iam::111122223333:role/R", .want = A),
    C(.res = TRUST_ALICE, .trust = true, .who = ALICE, .action = "sts:AssumeRoleWithSAML",
      .arn = "arn:aws:iam::111122223333:role/R", .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_ALICE, .trust = true, .who = BOB, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_ALICE, .trust = true, .who = ROOT, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_ROLE, .trust = true, .who = SESS, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .want = A),
    C(ID1(ALLOW_STS), .res = TRUST_ROLE, .trust = true, .who = XSESS, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .cross = true, .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_ANY_ACCT, .trust = true, .who = XUSER, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .cross = true, .want = A),
    C(ID1(ALLOW_STS), .res = TRUST_ANY_ACCT, .trust = true, .who = ALICE, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .want = I),
    C(ID1(ALLOW_STS), .res = TRUST_ANY_ACCT, .trust = true, .who = XUSER, .action = "sts:AssumeRole",
      .arn = "arn:aws:iam::111122223333:role/R", .ctx = "aws:PrincipalAccount=999988887777", .cross = true, .want = I),
    /* ---- NotPrincipal with Deny ---- */
    C(ID1(ALLOW_S3), .res = NP_CAROL, .who = XUSER, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .cross = true,
      .want = A),
    C(ID1(ALLOW_S3), .res = NP_CAROL, .who = XDAVE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .cross = true,
      .want = D),
    C(ID1(ALLOW_S3), .res = NP_CAROL, .who = ALICE, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = D),
    C(ID1(ALLOW_S3), .res = NP_CAROL_ONLY, .who = XUSER, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .cross = true, .want = D),
    C(.res = NP_CAROL, .who = XROOT, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .cross = true, .want = A),
    C(ID1(ALLOW_S3), .res = NP_SESS, .who = XSESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .cross = true,
      .want = A),
    C(ID1(ALLOW_S3), .res = NP_ROLE_ONLY, .who = XSESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .cross = true, .want = A),
    C(ID1(ALLOW_S3), .res = NP_CAROL, .who = XSESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .cross = true,
      .want = D),
    C(.res = NP_CAROL, .who = ANON, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = D),
    /* ---- ForAllValues / ForAnyValue ---- */
    C(ID1(FORALL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=environment", .want = A),
    C(ID1(FORALL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=environment|cost-center",
      .want = A),
    C(ID1(FORALL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=environment|owner",
      .want = I),
    C(ID1(FORALL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .want = A),
    C(ID1(FORALL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=", .want = A),
    C(ID1(FORALL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=|", .want = A),
    C(ID1(FORANY), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=|", .want = I),
    C(ID1(FORANY), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=environment|owner",
      .want = A),
    C(ID1(FORANY), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=owner", .want = I),
    C(ID1(FORANY), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .want = I),
    C(ID1(FORALL_NULL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .want = I),
    C(ID1(FORALL_NULL), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=environment",
      .want = A),
    C(ID1(DENY_ANY_SECRET), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=a|secret",
      .want = D),
    C(ID1(DENY_ANY_SECRET), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=a", .want = A),
    C(ID1(DENY_ANY_SECRET), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .want = A),
    C(ID1(FORALL_LIKE), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=key1|key2",
      .want = A),
    C(ID1(FORALL_LIKE), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=key1|other",
      .want = I),
    C(ID1(FORANY_NOTEQ), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=a|c", .want = A),
    C(ID1(FORANY_NOTEQ), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=a|b", .want = I),
    C(ID1(FORALL_IC), .who = ALICE, .action = "ec2:CreateTags", .arn = "*", .ctx = "aws:TagKeys=ENVIRONMENT",
      .want = A),
    /* ---- IfExists, Null ---- */
    C(ID1(IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "ec2:InstanceType=t2.micro",
      .want = A),
    C(ID1(IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "ec2:InstanceType=c5.large",
      .want = I),
    C(ID1(IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = A),
    C(ID1(NO_IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = I),
    C(ID1(NO_IFEXISTS), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .ctx = "ec2:InstanceType=m3.medium",
      .want = A),
    C(ID1(NULL_TOKEN), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = A),
    C(ID1(NULL_TOKEN), .who = SESS, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:TokenIssueTime=2020-01-01T00:00:00Z", .want = I),
    C(ID1(NULL_FALSE), .who = SESS, .action = "ec2:RunInstances", .arn = "*",
      .ctx = "aws:TokenIssueTime=2020-01-01T00:00:00Z", .want = A),
    C(ID1(NULL_FALSE), .who = ALICE, .action = "ec2:RunInstances", .arn = "*", .want = I),
    /* ---- numeric, bool, binary ---- */
    C(ID1(MAXKEYS), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=10",
      .want = A),
    C(ID1(MAXKEYS), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=5",
      .want = A),
    C(ID1(MAXKEYS), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=11",
      .want = I),
    C(ID1(MAXKEYS), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .want = I),
    C(ID1(MAXKEYS), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=abc",
      .want = I),
    C(ID1(NUM_NE), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=3", .want = A),
    C(ID1(NUM_NE), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=2", .want = I),
    C(ID1(NUM_NE), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .want = A),
    C(ID1(NUM_GT), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=2", .want = A),
    C(ID1(NUM_GT), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=1.5",
      .want = I),
    C(ID1(NUM_GT), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=100",
      .want = I),
    C(ID1(NUM_EQ), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=10.0",
      .want = A),
    C(ID1(NUM_EQ), .who = ALICE, .action = "s3:ListBucket", .arn = "arn:aws:s3:::b", .ctx = "s3:max-keys=11",
      .want = I),
    C(ID1(BOOL_JSON), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:SecureTransport=true", .want = A),
    C(ID1(BOOL_JSON), .who = ALICE, .action = "s3:GetObject", .arn = "*", .ctx = "aws:SecureTransport=false",
      .want = I),
    C(ID1(BINARY), .who = ALICE, .action = "s3:GetObject", .arn = "*",
      .ctx = "s3:x-bin=QmluYXJ5VmFsdWVJbkJhc2U2NA==", .want = A),
    C(ID1(BINARY), .who = ALICE, .action = "s3:GetObject", .arn = "*",
      .ctx = "s3:x-bin=qmluYXJ5VmFsdWVJbkJhc2U2NA==", .want = I),
    /* ---- ARN conditions ---- */
    C(ID1(ARN_EQ), .who = ALICE, .action = "sqs:SendMessage", .arn = "*",
      .ctx = "aws:SourceArn=arn:aws:sns:us-east-2:444455556666:MyTopic", .want = A),
    C(ID1(ARN_EQ), .who = ALICE, .action = "sqs:SendMessage", .arn = "*",
      .ctx = "aws:SourceArn=arn:aws:sns:us-east-2:444455556666:Other", .want = I),
    C(ID1(ARN_EQ), .who = ALICE, .action = "sqs:SendMessage", .arn = "*", .want = I),
    C(ID1(ARN_LIKE), .who = ALICE, .action = "sqs:SendMessage", .arn = "*",
      .ctx = "aws:SourceArn=arn:aws:iam::111122223333:role/x", .want = A),
    C(ID1(ARN_LIKE), .who = ALICE, .action = "sqs:SendMessage", .arn = "*",
      .ctx = "aws:SourceArn=arn:aws:iam::111122223333:user/x", .want = I),
    C(ID1(ARN_LIKE), .who = ALICE, .action = "sqs:SendMessage", .arn = "*", .ctx = "aws:SourceArn=arn:aws:s3:::bucket",
      .want = A),
    C(ID1(ARN_SHORT), .who = ALICE, .action = "sqs:SendMessage", .arn = "*",
      .ctx = "aws:SourceArn=arn:aws:sqs:us-east-1:111122223333:q", .want = I),
    C(ID1(ARN_NOT), .who = ALICE, .action = "sqs:SendMessage", .arn = "*", .want = A),
    C(ID1(ARN_NOT), .who = ALICE, .action = "sqs:SendMessage", .arn = "*",
      .ctx = "aws:SourceArn=arn:aws:sns:us-east-1:1:BadTopic", .want = I),
    C(ID1(ARN_NOT), .who = ALICE, .action = "sqs:SendMessage", .arn = "*",
      .ctx = "aws:SourceArn=arn:aws:sns:us-east-1:1:GoodTopic", .want = A),
    /* ---- string operators ---- */
    C(ID1(STR_EQ_STAR), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=home/x", .want = I),
    C(ID1(STR_EQ_STAR), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=home/*", .want = A),
    C(ID1(STR_LIKE_Q), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=home/a/b/c", .want = A),
    C(ID1(STR_LIKE_Q), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=home/ab/c", .want = I),
    C(ID1(STR_IC), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=HOME/", .want = A),
    C(ID1(STR_IC), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=HOME/x", .want = I),
    C(ID1(DENY_NOTLIKE), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=home/alice/docs",
      .want = A),
    C(ID1(DENY_NOTLIKE), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=home/bob/", .want = D),
    C(ID1(DENY_NOTLIKE), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .want = D),
    C(ID1(DENY_NOTLIKE), .who = ALICE, .action = "s3:ListBucket", .arn = "*", .ctx = "s3:prefix=|", .want = A),
    C(ID1(MULTI_KEY), .who = ALICE, .action = "s3:PutObject", .arn = "*",
      .ctx = "s3:x-amz-acl=private;s3:x-amz-server-side-encryption=AES256;aws:SourceIp=10.1.2.3", .want = A),
    C(ID1(MULTI_KEY), .who = ALICE, .action = "s3:PutObject", .arn = "*",
      .ctx = "s3:x-amz-acl=bucket-owner-full-control;s3:x-amz-server-side-encryption=AES256;aws:SourceIp=10.1.2.3",
      .want = A),
    C(ID1(MULTI_KEY), .who = ALICE, .action = "s3:PutObject", .arn = "*",
      .ctx = "s3:x-amz-acl=public-read;s3:x-amz-server-side-encryption=AES256;aws:SourceIp=10.1.2.3", .want = I),
    C(ID1(MULTI_KEY), .who = ALICE, .action = "s3:PutObject", .arn = "*",
      .ctx = "s3:x-amz-acl=private;aws:SourceIp=10.1.2.3", .want = I),
    C(ID1(MULTI_KEY), .who = ALICE, .action = "s3:PutObject", .arn = "*",
      .ctx = "s3:x-amz-acl=private;s3:x-amz-server-side-encryption=AES256;aws:SourceIp=11.1.2.3", .want = I),
    C(ID1(USERNAME_COND), .who = ALICE, .action = "iam:ChangePassword", .arn = "*", .want = A),
    C(ID1(USERNAME_COND), .who = BOB, .action = "iam:ChangePassword", .arn = "*", .want = I),
    C(ID1(USERNAME_COND), .who = SESS, .action = "iam:ChangePassword", .arn = "*", .want = I),
    C(ID1(USERID_COND), .who = SESS, .action = "s3:GetObject", .arn = "*", .want = A),
    C(ID1(USERID_COND), .who = ALICE, .action = "s3:GetObject", .arn = "*", .want = I),
    C(ID1(PRINCIPAL_ARN_COND), .who = SESS, .action = "s3:GetObject", .arn = "*",
      .ctx = "aws:PrincipalArn=arn:aws:iam::111122223333:role/ReadRole", .want = A),
    C(ID1(PRINCIPAL_ARN_COND), .who = SESS, .action = "s3:GetObject", .arn = "*",
      .ctx = "aws:PrincipalArn=arn:aws:iam::111122223333:role/WriteRole", .want = I),
    C(ID1(PRINCIPAL_ARN_COND), .who = SESS, .action = "s3:GetObject", .arn = "*", .want = I),
    C(ID1(PRINCIPAL_ARN_COND), .who = ALICE, .action = "s3:GetObject", .arn = "*", .want = I),
    /* ---- session policies ---- */
    C(.id = {ALLOW_S3}, .sess = SESSION_GET, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .want = A),
    C(.id = {ALLOW_S3}, .sess = SESSION_GET, .who = SESS, .action = "s3:PutObject", .arn = "arn:aws:s3:::b/k",
      .want = I),
    C(.id = {ALLOW_S3}, .sess = SESSION_DENY_GET, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k",
      .want = D),
    C(.id = {ALLOW_S3}, .sess = SESSION_DENY_GET, .who = SESS, .action = "s3:PutObject", .arn = "arn:aws:s3:::b/k",
      .want = A),
    C(.sess = SESSION_GET, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::b/k", .want = I),
    C(.id = {ALLOW_S3}, .sess = SESSION_GET, .who = SESS, .action = "s3:GetObject", .arn = "arn:aws:s3:::c/k",
      .want = I),
    C(.id = {STMT_OBJECT_ADMIN, NOT_IAM, S3HOME}, .who = ALICE, .action = "iam:CreateUser", .arn = "*", .want = A),
};

/* ==== documents AWS rejects, with its message ==== */
typedef struct {
    int line;
    policy_kind_t kind;
    const char *doc;
    const char *msg; /* NULL: accepted */
} pc_t;

#define IDK POLICY_IDENTITY
#define RSK POLICY_RESOURCE
#define TRK POLICY_TRUST
#define SEK POLICY_SESSION
static const pc_t PARSE[] = {
    {__LINE__, IDK, "not json", "Syntax errors in policy."},
    {__LINE__, IDK, "[]", "Syntax errors in policy."},
    {__LINE__, IDK, "{'Version':'2012-10-17'}", "Syntax errors in policy."},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':[]}", "Syntax errors in policy."},
    {__LINE__, IDK, "{'Version':'2012-10-18','Statement':{'Effect':'Allow','Action':'*','Resource':'*'}}",
     "The policy failed legacy parsing"},
    {__LINE__, IDK, "{'Version':'2012-10-17','Foo':1,'Statement':{'Effect':'Allow','Action':'*','Resource':'*'}}",
     "Syntax errors in policy."},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*','Foo':1}}",
     "Syntax errors in policy."},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':'*','Action':'*','Resource':'*'}}",
     "Policy document should not specify a principal."},
    {__LINE__, SEK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','NotPrincipal':{'AWS':'*'},'Action':'*','Resource':'*'}}",
     "Policy document should not specify a principal."},
    {__LINE__, RSK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*'}}",
     "Missing required field Principal"},
    {__LINE__, TRK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'sts:AssumeRole'}}",
     "Missing required field Principal"},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*'}}",
     "Policy statement must contain resources."},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Resource':'*'}}",
     "Policy statement must contain actions."},
    {__LINE__, TRK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':'111122223333'},'Action':'sts:"
     "AssumeRole','Resource':'*'}}",
     "Has prohibited field Resource"},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'allow','Action':'*','Resource':'*'}}",
     "Invalid effect: allow"},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Action':'*','Resource':'*'}}",
     "Missing required field Effect"},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3GetObject','Resource':'*'}}",
     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:Get:Object','Resource':'*'}}",
     "Actions/Condition can contain only one colon."},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'bucket'}}",
     "Resource bucket must be in ARN format or \"*\"."},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'s3:*','Resource':'','Condition':{}}}",
     "Resource  must be in ARN format or \"*\"."},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEqualz':{'"
     "aws:username':'a'}}}}",
     "Invalid Condition type : StringEqualz"},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*','Condition':{'NullIfExists':{'"
     "aws:username':'true'}}}}",
     "Invalid Condition type : NullIfExists"},
    /* AWS IAM takes a condition key without a vendor in an identity policy (moto's
     * valid_policy_documents, checked against IAM); a resource policy still refuses it */
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEquals':{'"
     "username':'a'}}}}",
     NULL},
    {__LINE__, RSK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':'*','Action':'*','Resource':'*','Condition':{"
     "'StringEquals':{'username':'a'}}}}",
     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
    {__LINE__, RSK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':'alice'},'Action':'s3:*','Resource':'*'}"
     "}",
     "Invalid principal in policy: \"AWS\":\"alice\""},
    {__LINE__, RSK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':'arn:aws:iam::111122223333:user/"
     "*'},'Action':'s3:*','Resource':'*'}}",
     "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111122223333:user/*\""},
    {__LINE__, RSK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':'arn:aws:iam::111122223333:group/"
     "g'},'Action':'s3:*','Resource':'*'}}",
     "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111122223333:group/g\""},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':[{'Sid':'A','Effect':'Allow','Action':'*','Resource':'*'},{'Sid':'A','Effect'"
     ":'Deny','Action':'*','Resource':'*'}]}",
     "Statement IDs (SID) in a single policy must be unique."},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Sid':'my sid','Effect':'Allow','Action':'*','Resource':'*'}}",
     "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','NotAction':'s3:*','Resource':'*'}}",
     "Syntax errors in policy."},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*','NotResource':'*'}}",
     "Syntax errors in policy."},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':[1],'Resource':'*'}}",
     "Syntax errors in policy."},
    {__LINE__, IDK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEquals':{'"
     "aws:username':null}}}}",
     "Syntax errors in policy."},
    {__LINE__, TRK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Deny','NotPrincipal':{'AWS':'111122223333'},'Action':'sts:"
     "AssumeRole'}}",
     "Has prohibited field NotPrincipal"},
    {__LINE__, RSK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','NotPrincipal':{'AWS':'111122223333'},'Action':'s3:*','"
     "Resource':'*'}}",
     "Syntax errors in policy."},
    /* accepted */
    {__LINE__, RSK,
     "{'Version':'2012-10-17','Statement':{'Sid':'my "
     "sid','Effect':'Allow','Principal':'*','Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'}}",
     NULL},
    {__LINE__, IDK, "{'Statement':{'Effect':'Allow','Action':'*','Resource':'*'}}", NULL},
    {__LINE__, IDK,
     "{'Version':'2008-10-17','Id':'x','Statement':[{'Effect':'Allow','Action':['s3:*','ec2:Describe*'],'Resource':['*'"
     "]}]}",
     NULL},
    {__LINE__, RSK,
     "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'AWS':['*','111122223333','arn:aws:iam::"
     "111122223333:root','arn:aws:sts::111122223333:assumed-role/R/"
     "s'],'Service':'sns.amazonaws.com','Federated':'cognito-identity.amazonaws.com','CanonicalUser':'"
     "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'},'Action':'sqs:SendMessage','Resource':'arn:"
     "aws:sqs:us-east-1:111122223333:q'}}",
     NULL},
    {__LINE__, IDK, MFA_IFEXISTS, NULL},
    {__LINE__, IDK, "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Action':'*','Resource':'arn:aws:ec2:*'}}",
     NULL},
    {__LINE__, SEK, SESSION_GET, NULL},
    {__LINE__, TRK, TRUST_EC2, NULL},
};

/* ' → ", ` → ' */
static char *unq(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    for (size_t i = 0; i <= n; i++) o[i] = s[i] == '\'' ? '"' : s[i] == '`' ? '\'' : s[i];
    return o;
}

static policy_t *parse(const char *doc, policy_kind_t kind, int line)
{
    char err[256], *j = unq(doc);
    policy_t *p = policy_parse(str_c(j), kind, err, sizeof err);
    free(j);
    if (!p) fail_msg("line %d: policy rejected: %s", line, err);
    return p;
}

/* Builds the request context from "k=v1|v2;k2=v" into fixed storage. */
typedef struct {
    char buf[1024];
    str_t vals[32];
    policy_ctx_t ctx[12];
    size_t n;
} ctxbuf_t;

static void make_ctx(ctxbuf_t *c, const char *spec)
{
    c->n = 0;
    if (!spec) return;
    snprintf(c->buf, sizeof c->buf, "%s", spec);
    size_t nv = 0;
    char *save = NULL;
    for (char *item = strtok_r(c->buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');
        assert_non_null(eq);
        *eq = 0;
        policy_ctx_t *x = &c->ctx[c->n++];
        x->key = str_c(item);
        x->values = &c->vals[nv];
        x->nvalues = 0;
        char *v = eq + 1;
        if (!*v) continue; /* a key with no values */
        for (;;) {
            char *bar = strchr(v, '|');
            c->vals[nv++] = str_n(v, bar ? (size_t)(bar - v) : strlen(v));
            x->nvalues++;
            if (!bar) break;
            v = bar + 1;
        }
    }
}

static const char *RES_NAME[] = {"IMPLICIT_DENY", "ALLOW", "EXPLICIT_DENY"};

static void test_evaluation_table(void **state)
{
    (void)state;
    size_t n = sizeof CASES / sizeof CASES[0], bad = 0;
    for (size_t i = 0; i < n; i++) {
        const tc_t *t = &CASES[i];
        policy_t *id[3] = {0};
        size_t nid = 0;
        for (int k = 0; k < 3 && t->id[k]; k++) id[nid++] = parse(t->id[k], POLICY_IDENTITY, t->line);
        policy_t *sess = t->sess ? parse(t->sess, POLICY_SESSION, t->line) : NULL;
        policy_t *res = t->res ? parse(t->res, t->trust ? POLICY_TRUST : POLICY_RESOURCE, t->line) : NULL;
        ctxbuf_t cb;
        make_ctx(&cb, t->ctx);
        policy_req_t req = {
            .action = str_c(t->action), .resource = str_c(t->arn), .who = &WHO[t->who], .ctx = cb.ctx, .nctx = cb.n};
        policy_result_t got = policy_evaluate(&req, (const policy_t *const *)id, nid, sess, res, !t->cross);
        if (got != t->want) {
            print_error("line %d: %s on %s: got %s, want %s\n", t->line, t->action, t->arn, RES_NAME[got],
                        RES_NAME[t->want]);
            bad++;
        }
        for (size_t k = 0; k < nid; k++) policy_free(id[k]);
        policy_free(sess);
        policy_free(res);
    }
    print_message("policy evaluation: %zu cases, %zu failed\n", n, bad);
    assert_int_equal(bad, 0);
}

/* Permissions boundaries (policy_evaluate_bounded): they cap identity
 * policies and a resource policy's role-ARN grant, not a grant to the user. */
static void test_boundary(void **state)
{
    (void)state;
    policy_t *admin = parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                            "\"Resource\":\"*\"}]}",
                            POLICY_IDENTITY, __LINE__);
    policy_t *s3read = parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                             "\"s3:Get*\",\"Resource\":\"*\"}]}",
                             POLICY_IDENTITY, __LINE__);
    policy_t *deny = parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                           "\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
                           POLICY_IDENTITY, __LINE__);
    policy_t *bucket = parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
                             "{\"AWS\":\"arn:aws:iam::111122223333:user/alice\"},\"Action\":\"s3:PutObject\","
                             "\"Resource\":\"*\"}]}",
                             POLICY_RESOURCE, __LINE__);
    const policy_t *ids[1] = {admin};
    policy_req_t req = {.action = STR("s3:GetObject"), .resource = STR("arn:aws:s3:::b/k"), .who = &WHO[ALICE]};
    assert_int_equal(policy_evaluate_bounded(&req, ids, 1, NULL, s3read, NULL, true), POLICY_ALLOW);
    assert_int_equal(policy_evaluate_bounded(&req, ids, 1, NULL, deny, NULL, true), POLICY_EXPLICIT_DENY);
    req.action = STR("iam:ListUsers");
    req.resource = STR("*");
    assert_int_equal(policy_evaluate_bounded(&req, ids, 1, NULL, s3read, NULL, true), POLICY_IMPLICIT_DENY);
    assert_int_equal(policy_evaluate_bounded(&req, ids, 1, NULL, NULL, NULL, true), POLICY_ALLOW);
    req.action = STR("s3:PutObject");
    req.resource = STR("arn:aws:s3:::b/k");
    /* the bucket policy names alice: not capped in her account, capped across accounts */
    assert_int_equal(policy_evaluate_bounded(&req, ids, 1, NULL, s3read, bucket, true), POLICY_ALLOW);
    assert_int_equal(policy_evaluate_bounded(&req, ids, 1, NULL, s3read, bucket, false), POLICY_IMPLICIT_DENY);
    policy_free(admin);
    policy_free(s3read);
    policy_free(deny);
    policy_free(bucket);
}

static void test_parse_table(void **state)
{
    (void)state;
    size_t n = sizeof PARSE / sizeof PARSE[0], bad = 0;
    for (size_t i = 0; i < n; i++) {
        const pc_t *t = &PARSE[i];
        char err[256], *j = unq(t->doc);
        policy_t *p = policy_parse(str_c(j), t->kind, err, sizeof err);
        free(j);
        if (t->msg && (p || strcmp(err, t->msg) != 0)) {
            print_error("line %d: got %s \"%s\", want \"%s\"\n", t->line, p ? "accepted" : "error", p ? "" : err,
                        t->msg);
            bad++;
        } else if (!t->msg && !p) {
            print_error("line %d: rejected: %s\n", t->line, err);
            bad++;
        }
        policy_free(p);
    }
    print_message("policy parsing: %zu cases, %zu failed\n", n, bad);
    assert_int_equal(bad, 0);
}

/* policy_eval_one on its own: trust by role path, service principals, NULL safety. */
static void test_eval_one(void **state)
{
    (void)state;
    policy_t *p = parse(TRUST_ROLE, POLICY_TRUST, __LINE__);
    policy_req_t req = {.action = STR("sts:AssumeRole"), .resource = STR("*"), .who = &WHO[SESS]};
    assert_int_equal(policy_eval_one(p, &req), POLICY_ALLOW);
    req.who = &WHO[ALICE];
    assert_int_equal(policy_eval_one(p, &req), POLICY_IMPLICIT_DENY);
    policy_free(p);
    assert_int_equal(policy_eval_one(NULL, &req), POLICY_IMPLICIT_DENY);
    /* nulls in an identity policy's lists are skipped; a list of nothing
     * but nulls is empty, never a NotAction that matches every action */
    char why[256];
    p = policy_parse(STR("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                         "\"Action\":[null,\"s3:GetObject\"],\"Resource\":[null,\"*\"]}]}"),
                     POLICY_IDENTITY, why, sizeof why);
    assert_non_null(p);
    req = (policy_req_t){.action = STR("s3:GetObject"), .resource = STR("arn:aws:s3:::b/k"), .who = &WHO[ALICE]};
    assert_int_equal(policy_eval_one(p, &req), POLICY_ALLOW);
    req.action = STR("s3:PutObject");
    assert_int_equal(policy_eval_one(p, &req), POLICY_IMPLICIT_DENY);
    policy_free(p);
    assert_null(policy_parse(STR("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                                 "\"NotAction\":[null],\"Resource\":\"*\"}]}"),
                             POLICY_IDENTITY, why, sizeof why));
    assert_null(policy_parse(STR("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                                 "\"Action\":\"s3:*\",\"NotResource\":[null]}]}"),
                             POLICY_IDENTITY, why, sizeof why));
    char err[8]; /* a short buffer truncates the message, NUL-terminated */
    assert_null(policy_parse(STR("{"), POLICY_IDENTITY, err, sizeof err));
    assert_string_equal(err, "Syntax ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluation_table),
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_eval_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
