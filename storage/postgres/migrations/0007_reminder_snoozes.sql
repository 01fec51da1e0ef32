-- PostgreSQL twin of storage/migrations/0007_reminder_snoozes.sql: a reminder asked again
-- at a later instant.
CREATE TABLE reminder_snoozes (
    contact_id bigint PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    anchor_id  bigint NOT NULL,
    step       text NOT NULL,
    until      timestamptz NOT NULL
);
