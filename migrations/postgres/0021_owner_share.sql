-- Issue 15: an owner's share of their unit (产权份额), in basis points of the whole: 10000
-- when one owner holds it all (the default), 5000 for a half owned with a co-owner. The
-- unit still votes once, with its whole area, through the recorded owner.
ALTER TABLE unit_owners ADD COLUMN share_bp BIGINT NOT NULL DEFAULT 10000 CHECK (share_bp > 0 AND share_bp <= 10000);
