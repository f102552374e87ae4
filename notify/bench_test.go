package notify

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/openslot/openslot/fhir"
	"github.com/openslot/openslot/store/memstore"
)

// BenchmarkMessage measures building one event's Bundle as a Webhook does
// (reading the related resources from memstore, mapping, encoding) for
// both forms. The baseline, in the same run, is encoding/json marshalling
// the same detailed document held as a generic map: the least any encoder
// of that JSON costs.
func BenchmarkMessage(b *testing.B) {
	ctx := context.Background()
	st := memstore.New(nil)
	seedEvents(b, st, 1)
	evs, err := st.Events(ctx, 1, 1) // the reschedule of a00
	if err != nil || len(evs) != 1 {
		b.Fatal(err)
	}
	e := evs[0]
	for _, form := range []fhir.MessageForm{fhir.MessageLightweight, fhir.MessageDetailed} {
		w, err := NewWebhook(WebhookOptions{Name: "bench", URL: "http://127.0.0.1/", Secret: testSecret,
			Source: "https://clinic.example/fhir", Form: form, Store: st})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(form.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Message(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	w, _ := NewWebhook(WebhookOptions{Name: "bench", URL: "http://127.0.0.1/", Secret: testSecret,
		Source: "https://clinic.example/fhir", Form: fhir.MessageDetailed, Store: st})
	body, _ := w.Message(ctx, e)
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-json-map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSign measures the signature of a 4 KiB body against a plain
// SHA-256 of it (the baseline: HMAC costs two hash passes).
func BenchmarkSign(b *testing.B) {
	body := make([]byte, 4096)
	now := time.Unix(1772442000, 0)
	b.Run("sign", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			Sign(testSecret, now, body)
		}
	})
	h := Sign(testSecret, now, body)
	b.Run("verify", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if err := Verify(testSecret, h, body, now, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-sha256", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			sha256.Sum256(body)
		}
	})
}
