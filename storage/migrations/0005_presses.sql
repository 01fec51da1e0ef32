-- Button presses: each press of a one-tap step (a reminder's "Followed up") is logged under
-- the key of the message it was pressed on, at most once, in the transaction of the action
-- it logs. A double click, a platform's repeated delivery or a second instance sees the key
-- and answers with the action already logged instead of logging another.
CREATE TABLE presses (
    key        TEXT PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    action_id  INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    pressed_at TEXT NOT NULL
);
CREATE INDEX presses_member ON presses (member_id);
