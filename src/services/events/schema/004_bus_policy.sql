-- A bus's resource policy (PutPermission / RemovePermission), JSON text.
ALTER TABLE event_bus ADD COLUMN policy TEXT;
