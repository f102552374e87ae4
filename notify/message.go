package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// relatedTypes are the resource types an appointment's participants may
// name that the detailed form includes.
var relatedTypes = map[string]bool{
	"Patient": true, "Practitioner": true, "PractitionerRole": true, "Location": true, "Device": true,
	"HealthcareService": true, "Organization": true,
}

// Message returns the JSON of the FHIR message Bundle the Webhook sends for
// e, in its form. The Bundle's id is "event-<cursor>", the same on every
// attempt and for every subscriber. It fails with an error wrapping
// fhir.ErrInvalid when the event cannot become a valid message, and with the
// store's error when related resources cannot be read.
func (w *Webhook) Message(ctx context.Context, e store.EventRecord) ([]byte, error) {
	var related []scheduling.Resource
	if w.opts.Store != nil {
		var err error
		related, err = relatedResources(ctx, w.opts.Store, &e.Appointment, w.opts.Form == fhir.MessageDetailed)
		if err != nil {
			return nil, fmt.Errorf("notify: %s: event %d: %w", w.opts.Name, e.Cursor, err)
		}
	}
	b, err := fhir.NewMessage(e.Event, fhir.MessageOptions{
		Form: w.opts.Form, ID: "event-" + strconv.FormatInt(e.Cursor, 10), Source: w.opts.Source,
		Destination: w.opts.URL, DestinationName: w.opts.Name, Related: related,
	})
	if err != nil {
		return nil, fmt.Errorf("notify: %s: event %d: %w", w.opts.Name, e.Cursor, err)
	}
	body, err := fhir.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("notify: %s: event %d: encode: %w", w.opts.Name, e.Cursor, err)
	}
	return body, nil
}

// relatedResources reads the stored resources a's participants and slots
// refer to (only the patients unless detailed). References to other servers
// (absolute URLs) and resources not found are skipped.
func relatedResources(ctx context.Context, st store.Store, a *scheduling.Appointment, detailed bool) ([]scheduling.Resource, error) {
	var refs []scheduling.Reference
	for _, p := range a.Participant {
		if p.Actor != nil {
			refs = append(refs, *p.Actor)
		}
	}
	if detailed {
		refs = append(refs, a.Slot...)
	}
	var out []scheduling.Resource
	err := st.View(ctx, func(tx store.ReadTx) error {
		out = out[:0]
		for _, ref := range refs {
			if strings.Contains(ref.Reference, "://") {
				continue
			}
			typ, id := ref.Split()
			if !(relatedTypes[typ] && (detailed || typ == "Patient")) && !(detailed && typ == "Slot") {
				continue
			}
			r, err := tx.Get(ctx, typ, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read %s/%s: %w", typ, id, err)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
