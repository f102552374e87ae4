package fhir

// MessageHeader is the R4 MessageHeader: the first entry of a message
// Bundle (notifications).
type MessageHeader struct {
	ID          string               `json:"id"`
	Meta        *Meta                `json:"meta"`
	Extension   []Extension          `json:"extension"`
	EventCoding *Coding              `json:"eventCoding"`
	EventURI    string               `json:"eventUri"`
	Destination []MessageDestination `json:"destination"`
	Sender      *Reference           `json:"sender"`
	Author      *Reference           `json:"author"`
	Source      *MessageSource       `json:"source"`
	Reason      *CodeableConcept     `json:"reason"`
	Response    *MessageResponse     `json:"response"`
	Focus       []Reference          `json:"focus"`
	Definition  string               `json:"definition"`
	Other       Elements
}

// MessageDestination is MessageHeader.destination.
type MessageDestination struct {
	ID        string      `json:"id"`
	Extension []Extension `json:"extension"`
	Name      string      `json:"name"`
	Endpoint  string      `json:"endpoint"`
	Receiver  *Reference  `json:"receiver"`
	Other     Elements
}

// MessageSource is MessageHeader.source.
type MessageSource struct {
	ID        string        `json:"id"`
	Extension []Extension   `json:"extension"`
	Name      string        `json:"name"`
	Software  string        `json:"software"`
	Version   string        `json:"version"`
	Contact   *ContactPoint `json:"contact"`
	Endpoint  string        `json:"endpoint"`
	Other     Elements
}

// MessageResponse is MessageHeader.response.
type MessageResponse struct {
	ID         string      `json:"id"`
	Extension  []Extension `json:"extension"`
	Identifier string      `json:"identifier"`
	Code       string      `json:"code"`
	Details    *Reference  `json:"details"`
	Other      Elements
}

// ResourceType returns "MessageHeader".
func (*MessageHeader) ResourceType() string { return "MessageHeader" }
