-- PostgreSQL twin of storage/migrations/0005_presses.sql: each press of a one-tap step is
-- logged under the key of the message it was pressed on, at most once, in the transaction
-- of the action it logs.
CREATE TABLE presses (
    key        text PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    action_id  bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    pressed_at timestamptz NOT NULL
);
CREATE INDEX presses_member ON presses (member_id);
