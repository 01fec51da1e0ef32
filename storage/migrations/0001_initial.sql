-- The first schema: workspaces, cohorts, members, contacts, the append-only action log,
-- pauses, and per-member running totals that keep the all-time leaderboard cheap.

CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE cohorts (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    channel_id     TEXT,
    name           TEXT NOT NULL,
    timezone       TEXT NOT NULL,
    week_start     INTEGER NOT NULL DEFAULT 0 CHECK (week_start BETWEEN 0 AND 6),
    email_goal     INTEGER NOT NULL DEFAULT 3 CHECK (email_goal BETWEEN 1 AND 50),
    interview_goal INTEGER CHECK (interview_goal BETWEEN 1 AND 31),
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX cohorts_channel ON cohorts (workspace_id, channel_id)
    WHERE channel_id IS NOT NULL;
CREATE INDEX cohorts_workspace ON cohorts (workspace_id);

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id             TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    cohort_id           INTEGER REFERENCES cohorts (id) ON DELETE SET NULL,
    email_goal          INTEGER CHECK (email_goal BETWEEN 1 AND 50),
    interview_goal      INTEGER CHECK (interview_goal BETWEEN 0 AND 31),
    timezone            TEXT,
    show_on_leaderboard INTEGER NOT NULL DEFAULT 1,
    allow_mentions      INTEGER NOT NULL DEFAULT 0,
    reminders_by_dm     INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    UNIQUE (workspace_id, user_id)
);
CREATE INDEX members_cohort ON members (cohort_id);

CREATE TABLE organizers (
    cohort_id INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (cohort_id, member_id)
) WITHOUT ROWID;
CREATE INDEX organizers_member ON organizers (member_id);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    UNIQUE (member_id, name_key)
);

CREATE TABLE actions (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    cohort_id   INTEGER REFERENCES cohorts (id) ON DELETE SET NULL,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('email_sent', 'follow_up_sent', 'reply_received',
                    'interview_scheduled', 'interview_done', 'thank_you_sent')),
    count       INTEGER NOT NULL DEFAULT 1 CHECK (count BETWEEN 1 AND 20),
    note        TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    occurred_at TEXT NOT NULL,
    undone_at   TEXT
);
-- Leaderboards for a week or a month read only that window of one cohort's live actions.
CREATE INDEX actions_cohort_time ON actions (cohort_id, occurred_at, kind, member_id, count)
    WHERE undone_at IS NULL;
-- Progress, streaks and the daily cap read only a window of one member's live actions.
CREATE INDEX actions_member_time ON actions (member_id, occurred_at, kind, count)
    WHERE undone_at IS NULL;
-- Undo finds a member's latest log; also serves the member foreign key.
CREATE INDEX actions_member_id ON actions (member_id, id);
CREATE INDEX actions_contact ON actions (contact_id);
CREATE INDEX actions_cohort ON actions (cohort_id);

-- Running totals per cohort, member and kind, kept by triggers in the same transaction as
-- the action, so the all-time leaderboard never scans history.
CREATE TABLE member_totals (
    cohort_id INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    total     INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, member_id, kind)
) WITHOUT ROWID;
CREATE INDEX member_totals_member ON member_totals (member_id);

CREATE TRIGGER actions_add_to_totals AFTER INSERT ON actions
WHEN NEW.cohort_id IS NOT NULL AND NEW.undone_at IS NULL
BEGIN
    INSERT INTO member_totals (cohort_id, member_id, kind, total)
    VALUES (NEW.cohort_id, NEW.member_id, NEW.kind, NEW.count)
    ON CONFLICT (cohort_id, member_id, kind) DO UPDATE SET total = total + excluded.total;
END;

CREATE TRIGGER actions_undo_from_totals AFTER UPDATE OF undone_at ON actions
WHEN OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL AND NEW.cohort_id IS NOT NULL
BEGIN
    UPDATE member_totals SET total = total - NEW.count
    WHERE cohort_id = NEW.cohort_id AND member_id = NEW.member_id AND kind = NEW.kind;
END;

CREATE TABLE pauses (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX pauses_member ON pauses (member_id, end_date);

-- Small key/value facts the bot keeps about itself (e.g. the last synced command hash).
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
