-- Permissions boundaries: the ARN of the managed policy (customer or AWS)
-- that bounds what a user's or role's identity policies may allow; NULL: none.
ALTER TABLE iam_user ADD COLUMN boundary TEXT;
ALTER TABLE iam_role ADD COLUMN boundary TEXT;
