-- /progress and /contacts choose and order a member's contacts in SQL (Store.pipeline_page,
-- Store.stage_counts): their kept states by stage and due instant, read from the index
-- alone; and the links of chains of introductions (Store.referral_contacts) through the
-- few contacts that name a referrer, instead of every contact of the member.
CREATE INDEX contact_state_stage ON contact_state (member_id, stage, due_at);
CREATE INDEX contacts_referred ON contacts (member_id, referred_by) WHERE referred_by IS NOT NULL;
