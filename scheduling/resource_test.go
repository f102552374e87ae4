package scheduling

import "testing"

func TestNewResourceCoversEveryType(t *testing.T) {
	for _, typ := range ResourceTypes() {
		r := NewResource(typ)
		if r == nil {
			t.Fatalf("NewResource(%q) = nil", typ)
		}
		if got := r.ResourceType(); got != typ {
			t.Errorf("NewResource(%q).ResourceType() = %q", typ, got)
		}
		r.Metadata().ID = "x1"
		r.Metadata().Version = 3
		if m := r.Metadata(); m.ID != "x1" || m.Version != 3 {
			t.Errorf("%s: Metadata does not write through: %+v", typ, *m)
		}
	}
	if r := NewResource("Encounter"); r != nil {
		t.Errorf("NewResource(Encounter) = %T, want nil", r)
	}
}

func TestCloneResource(t *testing.T) {
	for _, typ := range ResourceTypes() {
		r := NewResource(typ)
		r.Metadata().ID = "x1"
		c := CloneResource(r)
		if c == nil || c.ResourceType() != typ || c.Metadata().ID != "x1" {
			t.Fatalf("CloneResource(%s) = %#v", typ, c)
		}
		c.Metadata().ID = "changed"
		if r.Metadata().ID != "x1" {
			t.Errorf("%s: the clone shares its Meta with the original", typ)
		}
	}
	var nilAppt *Appointment
	if c := CloneResource(nilAppt); c != nil {
		t.Errorf("CloneResource(nil *Appointment) = %#v, want nil", c)
	}
	if c := CloneResource(nil); c != nil {
		t.Errorf("CloneResource(nil) = %#v, want nil", c)
	}
}
