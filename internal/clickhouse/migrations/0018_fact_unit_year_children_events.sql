-- The Action Month and the children's forum (issue 16, item 4): per commune
-- version and year, the events the commune held (by the year they started),
-- the children who took part in them (counts of attendances, never named),
-- the recommendations raised at its forums (by the year of the forum's last
-- day), and those due in the year with those answered on or before their due
-- day. Events held by districts or the province have no commune row.
ALTER TABLE fact_unit_year {on_cluster}
  ADD COLUMN action_month_events UInt32 DEFAULT 0,
  ADD COLUMN children_forums_held UInt32 DEFAULT 0,
  ADD COLUMN event_child_participants UInt32 DEFAULT 0,
  ADD COLUMN forum_recommendations_raised UInt32 DEFAULT 0,
  ADD COLUMN forum_recommendations_due UInt32 DEFAULT 0,
  ADD COLUMN forum_recommendations_answered_on_time UInt32 DEFAULT 0
