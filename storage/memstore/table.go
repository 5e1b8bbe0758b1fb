package memstore

import (
	"bytes"
	"slices"

	"github.com/google/uuid"
)

// undoLog records how to reverse each change of a transaction.
type undoLog []func()

// set stores v under k in m and logs how to restore the previous state.
func set[K comparable, V any](u *undoLog, m map[K]V, k K, v V) {
	old, had := m[k]
	m[k] = v
	*u = append(*u, func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
}

// del removes k from m and logs how to put it back.
func del[K comparable, V any](u *undoLog, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	delete(m, k)
	*u = append(*u, func() { m[k] = old })
}

// index maps a key (a phone number, a lead id) to a set of row ids.
type index[K comparable] map[K]map[uuid.UUID]struct{}

func (x index[K]) add(u *undoLog, k K, id uuid.UUID) {
	ids := x[k]
	if ids == nil {
		ids = make(map[uuid.UUID]struct{})
		set(u, x, k, ids)
	}
	set(u, ids, id, struct{}{})
}

func (x index[K]) remove(u *undoLog, k K, id uuid.UUID) {
	ids := x[k]
	del(u, ids, id)
	if ids != nil && len(ids) == 0 {
		del(u, x, k)
	}
}

// table holds rows by id and keeps them in id order for keyset paging.
// The order is a cache of the keys of rows: additions wait in pending and
// removals are counted, and both are folded in before the next ordered read,
// so bulk writes cost one sort instead of one shift per row.
type table[V any] struct {
	rows    map[uuid.UUID]V
	order   []uuid.UUID // ascending; may hold removed ids until the next sync
	pending []uuid.UUID // ids added since the last sync, unsorted
	removed int         // ids removed since the last sync
}

func newTable[V any]() *table[V] { return &table[V]{rows: make(map[uuid.UUID]V)} }

func (t *table[V]) get(id uuid.UUID) (V, bool) {
	v, ok := t.rows[id]
	return v, ok
}

func (t *table[V]) put(u *undoLog, id uuid.UUID, v V) {
	old, had := t.rows[id]
	t.rows[id] = v
	if !had {
		t.pending = append(t.pending, id)
	}
	*u = append(*u, func() {
		if had {
			t.rows[id] = old
		} else {
			delete(t.rows, id)
			t.removed++
		}
	})
}

func (t *table[V]) del(u *undoLog, id uuid.UUID) {
	old, had := t.rows[id]
	if !had {
		return
	}
	delete(t.rows, id)
	t.removed++
	*u = append(*u, func() {
		t.rows[id] = old
		t.pending = append(t.pending, id)
	})
}

// sync folds pending additions and removals into order.
func (t *table[V]) sync() {
	if len(t.pending) == 0 && t.removed == 0 {
		return
	}
	live := func(id uuid.UUID) bool { _, ok := t.rows[id]; return ok }
	slices.SortFunc(t.pending, compareIDs)
	merged := make([]uuid.UUID, 0, len(t.rows))
	i, j := 0, 0
	for i < len(t.order) || j < len(t.pending) {
		var id uuid.UUID
		if j == len(t.pending) || (i < len(t.order) && compareIDs(t.order[i], t.pending[j]) <= 0) {
			id, i = t.order[i], i+1
		} else {
			id, j = t.pending[j], j+1
		}
		if live(id) && (len(merged) == 0 || merged[len(merged)-1] != id) {
			merged = append(merged, id)
		}
	}
	t.order, t.pending, t.removed = merged, nil, 0
}

// page returns up to limit rows with id > after that keep accepts, in id order.
func (t *table[V]) page(after uuid.UUID, limit int, keep func(V) bool) []V {
	t.sync()
	i, _ := slices.BinarySearchFunc(t.order, after, compareIDs)
	if i < len(t.order) && t.order[i] == after {
		i++
	}
	var out []V
	for ; i < len(t.order) && len(out) < limit; i++ {
		if v := t.rows[t.order[i]]; keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// compareIDs orders ids by their bytes, as SQL databases order uuid and blob keys.
func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// sortedIDs returns the keys of set in id order.
func sortedIDs(set map[uuid.UUID]struct{}) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareIDs)
	return ids
}
