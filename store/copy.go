package store

import (
	"fmt"
	"reflect"

	"github.com/openslot/openslot/scheduling"
)

// CopyResource returns a deep copy of r for a store to keep or hand out, so
// that nothing stored is shared with a caller. It fails for a nil resource
// (scheduling.ErrInvalid) and for a type that is not one of
// scheduling.ResourceTypes (ErrInvalidQuery).
func CopyResource(r scheduling.Resource) (scheduling.Resource, error) {
	if c := scheduling.CloneResource(r); c != nil {
		return c, nil
	}
	if r == nil {
		return nil, fmt.Errorf("nil resource: %w", scheduling.ErrInvalid)
	}
	if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("nil %T: %w", r, scheduling.ErrInvalid)
	}
	return nil, fmt.Errorf("resource type %s (%T) is not stored: %w", r.ResourceType(), r, ErrInvalidQuery)
}
