-- A topic's message data protection policy (PutDataProtectionPolicy, or
-- CreateTopic's DataProtectionPolicy), JSON text as given; not an attribute:
-- GetTopicAttributes does not show it.
ALTER TABLE topic ADD COLUMN data_protection TEXT;
