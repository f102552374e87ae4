package pgstore

import (
	"bytes"
	"sync"
	"time"

	"github.com/openslot/openslot/scheduling"
	"github.com/openslot/openslot/store"
)

// decodeCache remembers the decoded body of each Schedule a transaction
// read: every booking reads its schedules, which change rarely, and
// decoding one costs a booking more client time than any other step. A
// read whose stored body is byte for byte the one remembered gets a copy of
// the decoded resource instead (the column is json, kept as written, so
// equal bytes are an equal resource). Other types are decoded each time.
type decodeCache struct {
	mu sync.Mutex
	m  map[store.Key]decoded
}

type decoded struct {
	body []byte
	res  scheduling.Resource // never handed out: callers get copies
}

// decodeCacheSize bounds how many schedules the cache holds; when it is
// full it starts again empty.
const decodeCacheSize = 1024

// decode builds a resource from its stored columns, as decodeResource, from
// the cache when it can.
func (c *decodeCache) decode(typ, id string, version int64, updated time.Time, body []byte) (scheduling.Resource, error) {
	if typ != "Schedule" {
		return decodeResource(typ, id, version, updated, body)
	}
	k := store.Key{Type: typ, ID: id}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && bytes.Equal(e.body, body) {
		r := scheduling.CloneResource(e.res)
		*r.Metadata() = scheduling.Meta{ID: id, Version: version, LastUpdated: updated.UTC()}
		return r, nil
	}
	r, err := decodeResource(typ, id, version, updated, body)
	if err != nil {
		return nil, err
	}
	e = decoded{body: bytes.Clone(body), res: scheduling.CloneResource(r)}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= decodeCacheSize {
		c.m = make(map[store.Key]decoded)
	}
	c.m[k] = e
	c.mu.Unlock()
	return r, nil
}
