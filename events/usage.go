package events

import (
	"encoding/json"
	"time"
)

// Usage is one record of the usage stream: the data volume of an open PDP
// context since its last record, or since it opened. Its keys follow the
// usage records of the platform's data streamer (see docs/sinks.md); its
// ids are numbered apart from the events'.
type Usage struct {
	ID             int64         `json:"id"`
	StartTimestamp string        `json:"start_timestamp"`
	EndTimestamp   string        `json:"end_timestamp"`
	SessionID      string        `json:"session_id"` // the PDP context's, as in its events' detail.session_id
	TrafficType    Ref           `json:"traffic_type"`
	Volume         Volume        `json:"volume"`
	Cost           float64       `json:"cost"`
	Currency       Currency      `json:"currency"`
	Endpoint       *Endpoint     `json:"endpoint"`
	SIM            *SIM          `json:"sim"`
	IMSI           string        `json:"imsi"`
	IMSIID         int64         `json:"imsi_id"`
	Operator       UsageOperator `json:"operator"`
	Organisation   Organisation  `json:"organisation"`
	Tariff         UsageTariff   `json:"tariff"`
	Final          bool          `json:"-"` // the record at the context's close
}

// Currency is the currency of a usage record's cost.
type Currency struct {
	ID     int    `json:"id"`
	Code   string `json:"code"`
	Symbol string `json:"symbol"`
}

// UsageOperator is the visited network of a usage record.
type UsageOperator struct {
	ID      int          `json:"id"`
	Name    string       `json:"name"`
	MNC     string       `json:"mnc"`
	Country UsageCountry `json:"country"`
}

// UsageCountry is the visited network's country in a usage record.
type UsageCountry struct {
	ID   int    `json:"id"`
	MCC  string `json:"mcc"`
	Name string `json:"name"`
}

// UsageTariff names the tariff and rate zone a usage record is rated in.
type UsageTariff struct {
	ID       string        `json:"id"`
	Ratezone UsageRatezone `json:"ratezone"`
}

// UsageRatezone is the rate zone of a usage record's tariff.
type UsageRatezone struct {
	ID string `json:"id"`
}

// TrafficData is the traffic type of data usage (the platform's 5).
var TrafficData = Ref{ID: 5, Description: "Data"}

// NewUsage is the usage of session s at operator op from start to end: rx
// bytes sent by the device, tx received. tariffID and ratezoneID are the
// platform's, as in the PDP context events.
func NewUsage(f Facts, op Operator, s PDPSession, start, end time.Time, rx, tx Bytes) *Usage {
	sid := s.SessionID
	if sid == "" && s.SessionNum != 0 {
		sid = SessionUUID(s.SessionNum)
	}
	ep := f.Subject.Endpoint
	if ep != nil && ep.IPAddress == nil && ep.IP.IsValid() {
		// Usage records go through encoding/json: spell the address.
		c := *ep
		ip := c.IP.String()
		c.IPAddress = &ip
		ep = &c
	}
	u := &Usage{
		StartTimestamp: FormatTimestamp(start),
		EndTimestamp:   FormatTimestamp(end),
		SessionID:      sid,
		TrafficType:    TrafficData,
		Volume:         Volume{Total: rx + tx, Rx: rx, Tx: tx},
		Currency:       Currency{ID: 1, Code: "EUR", Symbol: "€"},
		Endpoint:       ep,
		SIM:            f.Subject.SIM,
		Operator:       UsageOperator{ID: op.ID, Name: op.Name, Country: UsageCountry{ID: op.Country.ID, MCC: op.Country.MCC, Name: op.Country.Name}},
		Organisation:   f.Organisation,
		Tariff:         UsageTariff{ID: s.Context.TariffID, Ratezone: UsageRatezone{ID: s.Context.RatezoneID}},
	}
	if len(op.MNCs) > 0 {
		u.Operator.MNC = op.MNCs[0].MNC
	}
	if f.Subject.IMSI != nil {
		u.IMSI, u.IMSIID = f.Subject.IMSI.IMSI, f.Subject.IMSI.ID
	}
	return u
}

// appendJSON appends the record as encoding/json writes it (volumes in
// megabytes, as in events).
func (u *Usage) appendJSON(b []byte) ([]byte, error) {
	j, err := json.Marshal(u)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}
