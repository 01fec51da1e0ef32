-- /progress and /contacts read a member's contacts as pages (Store.pipeline_page,
-- Store.stage_counts), at a cost that follows what a reply shows, not how many contacts the
-- member ever had. A kept state places the same at every instant once its last milestone
-- has passed (bot.followups.step_at): from ``settles_at`` on (NULL: from the start) its
-- stage is ``settled_stage``, a step is due if ``settled_due``, and it sorts by
-- ``settled_key`` (the due instant, else the latest activity). Those columns are computed
-- from the row, so every write of a state keeps them; the indexes read settled states in
-- page order and the few still open apart. The links of chains of introductions
-- (Store.referral_contacts) are read through the few contacts that name a referrer.
ALTER TABLE contact_state ADD COLUMN settles_at TEXT GENERATED ALWAYS AS (
    CASE WHEN due_at IS NULL THEN NULL WHEN stage = 'emailed' THEN later_due_at
    WHEN stage IN ('followed_up', 'scheduled') THEN due_at END) VIRTUAL;
ALTER TABLE contact_state ADD COLUMN settled_due INTEGER GENERATED ALWAYS AS (
    due_at IS NOT NULL AND stage IN ('emailed', 'followed_up', 'interviewed', 'scheduled'))
    VIRTUAL;
ALTER TABLE contact_state ADD COLUMN settled_key TEXT GENERATED ALWAYS AS (
    CASE WHEN due_at IS NULL OR stage NOT IN ('emailed', 'followed_up', 'interviewed',
    'scheduled') THEN last_activity WHEN stage = 'emailed' THEN later_due_at ELSE due_at END)
    VIRTUAL;
ALTER TABLE contact_state ADD COLUMN settled_stage TEXT GENERATED ALWAYS AS (
    CASE WHEN stage NOT IN ('emailed', 'followed_up', 'interviewed', 'scheduled') THEN stage
    WHEN due_at IS NULL THEN 'emailed' WHEN stage = 'followed_up' THEN 'no_reply'
    ELSE stage END) VIRTUAL;
CREATE INDEX contact_state_settled
    ON contact_state (member_id, settled_due, settled_key, contact_id, settles_at);
CREATE INDEX contact_state_settled_stage
    ON contact_state (member_id, settled_stage, settled_due, settled_key, contact_id, settles_at);
CREATE INDEX contact_state_open ON contact_state (member_id, settles_at);
CREATE INDEX contacts_referred ON contacts (member_id, referred_by) WHERE referred_by IS NOT NULL;
