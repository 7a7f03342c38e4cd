-- A group's subnets are answered in the order the request named them.
ALTER TABLE subnet_group_subnet ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
