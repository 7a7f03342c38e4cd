-- Receipt handles name their message's row (message.c, "Receipt handles"):
-- DeleteMessage and ChangeMessageVisibility find it by id, so the index by
-- receipt only cost every receive a write.
DROP INDEX IF EXISTS message_by_receipt;
