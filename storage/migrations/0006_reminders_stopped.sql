-- "Stop reminding": the clock (the email or follow-up action) whose reminders a member has
-- stopped for one contact. A later email or follow-up starts a new clock, whose reminders
-- come again; the row goes with the contact.
CREATE TABLE reminders_stopped (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    anchor_id  INTEGER NOT NULL,
    stopped_at TEXT NOT NULL
);
