-- Lambda: a version's or alias's own resource policy (AddPermission with a
-- Qualifier), apart from the unqualified function's.
ALTER TABLE lambda_version ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE lambda_alias ADD COLUMN policy TEXT NOT NULL DEFAULT '';
