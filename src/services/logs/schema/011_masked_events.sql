-- An event's text as a data protection policy masked it at ingestion (NULL:
-- nothing masked); reads show it unless the caller may and asks to unmask.
ALTER TABLE log_event ADD COLUMN masked TEXT;
