-- DisableApiStop (RunInstances, ModifyInstanceAttribute): StopInstances
-- refuses the instance while set.
ALTER TABLE instance ADD COLUMN no_stop INTEGER NOT NULL DEFAULT 0;
