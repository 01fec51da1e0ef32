-- "Snooze 2 business days": a reminder (one step of one clock of a contact) asked again at
-- a later instant. The planner moves that milestone to `until` and sends it under a new
-- key; a later snooze of the same contact replaces this one. The row goes with the contact.
CREATE TABLE reminder_snoozes (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    anchor_id  INTEGER NOT NULL,
    step       TEXT NOT NULL,
    until      TEXT NOT NULL
);
