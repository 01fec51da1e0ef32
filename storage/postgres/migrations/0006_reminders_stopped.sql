-- PostgreSQL twin of storage/migrations/0006_reminders_stopped.sql: the clock whose
-- reminders a member has stopped for one contact.
CREATE TABLE reminders_stopped (
    contact_id bigint PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    anchor_id  bigint NOT NULL,
    stopped_at timestamptz NOT NULL
);
