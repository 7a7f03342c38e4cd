-- The AWSTraceHeader message system attribute (X-Ray), sent with
-- SendMessage's MessageSystemAttributes and returned by ReceiveMessage.
ALTER TABLE message ADD COLUMN trace_header TEXT;
