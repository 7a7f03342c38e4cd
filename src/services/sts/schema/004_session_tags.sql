-- The session's tags (AssumeRole's and GetFederationToken's Tags, with the
-- transitive ones a role chain carries in), for aws:PrincipalTag/KEY: a JSON
-- list of {"Key", "Value", "Transitive"}; NULL: none.
ALTER TABLE sts_credential ADD COLUMN session_tags TEXT;
