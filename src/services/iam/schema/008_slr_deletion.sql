-- DeleteServiceLinkedRole's deletion tasks: the role is gone when the call
-- returns, and GetServiceLinkedRoleDeletionStatus reports the task (by its
-- DeletionTaskId) as SUCCEEDED.
CREATE TABLE iam_slr_deletion (
    account    TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, task_id)
) WITHOUT ROWID;
