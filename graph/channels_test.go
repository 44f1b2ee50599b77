package graph_test

import (
	"strings"
	"testing"

	"treem/internal/domain"
)

// TestCommunicationChannelsRecordedAndFiltered: officers record activities
// with their channel and reach, read them back, and narrow the list by
// channel and channelIn (in sub-filters too); another commune sees none of
// them, and the roles that may not read the list are refused.
func TestCommunicationChannelsRecordedAndFiltered(t *testing.T) {
	s, _ := opsServer(t)
	commune, district := token(t, domain.RoleCommuneOfficer, "99201"), token(t, domain.RoleDistrictOfficer, "992")
	record := `mutation($u: String!, $c: CommunicationChannel!, $r: Int) { recordCommunicationActivity(input: {unit: $u,
	  heldOn: "2026-06-01", topic: "Phòng chống đuối nước", participants: 0, channel: $c, reach: $r}) {
	  communicationActivity { channel reach unit { code } } errors { field code } } }`
	for _, w := range []struct {
		token, channel string
		reach          any
		want           string
	}{
		{commune, "CAMPAIGN", 300, `"channel":"CAMPAIGN","reach":300`},
		{commune, "LOUDSPEAKER", nil, `"channel":"LOUDSPEAKER","reach":null`},
		{district, "TV_DN1", 20000, `"channel":"TV_DN1","reach":20000`},
	} {
		r := s.query(t, w.token, record, map[string]any{"u": "99201", "c": w.channel, "r": w.reach})
		if r.code() != "" || !strings.Contains(r.raw, w.want) || !strings.Contains(r.raw, `"errors":[]`) {
			t.Fatalf("record %s: %s", w.channel, r.raw)
		}
	}
	for _, tt := range []struct {
		name, token, filter, want string
	}{
		{"channel", commune, `{channel: CAMPAIGN}`, `"totalCount":1,"edges":[{"node":{"channel":"CAMPAIGN","reach":300}}]`},
		{"channelIn", district, `{channelIn: [TV_DN1, LOUDSPEAKER]}`,
			`"totalCount":2,"edges":[{"node":{"channel":"LOUDSPEAKER","reach":null}},{"node":{"channel":"TV_DN1","reach":20000}}]`},
		{"in or", token(t, domain.RoleProvinceOfficer, "99"), `{or: [{channel: TV_DN1}, {channel: CAMPAIGN}]}`,
			`"totalCount":2,"edges":[{"node":{"channel":"CAMPAIGN","reach":300}},{"node":{"channel":"TV_DN1","reach":20000}}]`},
		{"none on the channel", commune, `{channel: LED_SCREEN}`, `"totalCount":0,"edges":[]`},
		{"another commune", token(t, domain.RoleCommuneOfficer, "99101"), `{channelIn: [CAMPAIGN, TV_DN1, LOUDSPEAKER]}`,
			`"totalCount":0,"edges":[]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, `{ communicationActivities(filter: `+tt.filter+`, orderBy: {field: ID, direction: ASC}) {
			  totalCount edges { node { channel reach } } } }`, nil)
			if r.code() != "" || !strings.Contains(r.raw, tt.want) {
				t.Fatalf("want %s, got %s", tt.want, r.raw)
			}
		})
	}
	for _, tt := range []struct {
		name, token, filter, code string
	}{
		{"channel and channelIn", commune, `{channel: CAMPAIGN, channelIn: [TV_DN1]}`, "INVALID_INPUT"},
		{"empty channelIn", commune, `{channelIn: []}`, "INVALID_INPUT"},
		{"leader", token(t, domain.RoleLeader, "99"), `{channel: CAMPAIGN}`, "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), `{channel: CAMPAIGN}`, "FORBIDDEN"},
		{"anonymous", "", `{channel: CAMPAIGN}`, "UNAUTHENTICATED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, `{ communicationActivities(filter: `+tt.filter+`) { totalCount } }`, nil)
			if r.code() != tt.code {
				t.Fatalf("want %s, got %s", tt.code, r.raw)
			}
		})
	}
	// A channel outside the enum never reaches the resolver.
	r := s.query(t, commune, record, map[string]any{"u": "99201", "c": "RADIO", "r": 5})
	if r.code() == "" || strings.Contains(r.raw, `"communicationActivity":{`) {
		t.Fatalf("unknown channel: %s", r.raw)
	}
}
