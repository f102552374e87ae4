package store

import (
	"errors"
	"testing"

	"github.com/openslot/openslot/scheduling"
)

type foreign struct{ scheduling.Meta }

func (*foreign) ResourceType() string { return "Encounter" }

func TestCopyResource(t *testing.T) {
	a := &scheduling.Appointment{Meta: scheduling.Meta{ID: "a1"}, Comment: "x"}
	c, err := CopyResource(a)
	if err != nil {
		t.Fatal(err)
	}
	c.(*scheduling.Appointment).Comment = "changed"
	if a.Comment != "x" {
		t.Error("the copy shares memory with the original")
	}
	var nilAppt *scheduling.Appointment
	for _, tc := range []struct {
		r    scheduling.Resource
		want error
	}{{nil, scheduling.ErrInvalid}, {nilAppt, scheduling.ErrInvalid}, {&foreign{}, ErrInvalidQuery}} {
		if _, err := CopyResource(tc.r); !errors.Is(err, tc.want) {
			t.Errorf("CopyResource(%#v) = %v, want %v", tc.r, err, tc.want)
		}
	}
}
