package events

import (
	"strings"

	"gridmap/pii"
)

// sealReporter seals the reporter's name and phone a report carries
// (Open311 first_name, last_name, phone) with the data key: personal data
// is never stored in clear. Without a key they are dropped.
func (s *Service) sealReporter(rep Report) (name, phone []byte, err error) {
	if s.key == nil {
		return nil, nil, nil
	}
	if n := strings.TrimSpace(rep.name); n != "" {
		name = s.key.Seal(pii.FieldName, n)
	}
	if p := strings.TrimSpace(rep.phone); p != "" {
		phone = s.key.Seal(pii.FieldPhone, p)
	}
	return name, phone, nil
}
