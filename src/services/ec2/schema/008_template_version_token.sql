-- CreateLaunchTemplateVersion's ClientToken, for its idempotency (AWS: a
-- repeated request with the same token answers the version it made).
ALTER TABLE launch_template_version ADD COLUMN client_token TEXT;
