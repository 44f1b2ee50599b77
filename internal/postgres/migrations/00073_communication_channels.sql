-- Communication by channel (plan 2021 item 10, issue 16 item 5): each
-- communication activity names the channel it went out on, and how many it
-- reached where that is known. The channels are the plan's; the CHECK keeps
-- them as data, and internal/postgres/contracts_test.go compares it with
-- domain.CommunicationChannels.
--
-- Rows recorded before channels existed were meetings and talks whose channel
-- nobody wrote down: they become 'other', and their reach stays unknown (NULL)
-- rather than being guessed from participants.
--
-- reach counts what the channel reaches (the CommunicationChannel enum of
-- schema.graphqls tells it per channel): people at a
-- campaign or event, viewers or views of a broadcast or post, households in
-- loudspeaker range, copies printed or put up. The bound is above any count the
-- province can reach (about 4.5 million people after the 2025 merger) several
-- times over, and catches a slip of the keyboard.

-- +goose Up
ALTER TABLE communication_activity
  ADD COLUMN channel text NOT NULL DEFAULT 'other' CHECK (channel IN ('campaign', 'tv_dn1', 'tv_dn2',
    'broadcaster_website', 'broadcaster_fanpage', 'loudspeaker', 'led_screen', 'bulletin', 'panel_poster',
    'printed_leaflet_booklet', 'other')),
  ADD COLUMN reach int CHECK (reach BETWEEN 0 AND 50000000);
-- The default was for the existing rows only: a new activity names its channel.
ALTER TABLE communication_activity ALTER COLUMN channel DROP DEFAULT;

-- +goose Down
ALTER TABLE communication_activity DROP COLUMN reach, DROP COLUMN channel;
