package store

import (
	"context"
	"fmt"

	"github.com/openslot/openslot/scheduling"
)

// Get reads one resource of type T, for example
//
//	appt, err := store.Get[scheduling.Appointment](ctx, tx, id)
func Get[T any, PT interface {
	*T
	scheduling.Resource
}](ctx context.Context, tx ReadTx, id string) (*T, error) {
	var zero PT = new(T)
	r, err := tx.Get(ctx, zero.ResourceType(), id)
	if err != nil {
		return nil, err
	}
	v, ok := r.(PT)
	if !ok {
		return nil, fmt.Errorf("store returned %T for %s/%s: %w", r, zero.ResourceType(), id, ErrInvalidQuery)
	}
	return v, nil
}

// SearchAll follows the pages of q and returns every match of type T, up
// to max resources (0 means no bound). Use it for small result sets; page
// through Search for large ones.
func SearchAll[T any, PT interface {
	*T
	scheduling.Resource
}](ctx context.Context, tx ReadTx, q Query, max int) ([]*T, error) {
	var zero PT = new(T)
	q.ResourceType = zero.ResourceType()
	var out []*T
	for {
		p, err := tx.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range p.Resources {
			v, ok := r.(PT)
			if !ok {
				return nil, fmt.Errorf("store returned %T for %s search: %w", r, q.ResourceType, ErrInvalidQuery)
			}
			out = append(out, v)
			if max > 0 && len(out) >= max {
				return out, nil
			}
		}
		if p.Next == "" {
			return out, nil
		}
		q.After = p.Next
	}
}
