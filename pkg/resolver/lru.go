package resolver

import (
	"container/list"
	"time"
)

// lru is a map bounded in entries, the least recently used evicted first,
// each entry kept until its expiry. Not safe for concurrent use: cache
// holds the lock.
type lru[V any] struct {
	max   int
	order *list.List // of *entry[V], the most recently used at the front
	items map[string]*list.Element
}

type entry[V any] struct {
	key         string
	val         V
	stored, exp time.Time
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), items: map[string]*list.Element{}}
}

// get is key's entry if it has not expired; an expired one is dropped.
func (l *lru[V]) get(key string, now time.Time) (*entry[V], bool) {
	el, ok := l.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry[V])
	if !now.Before(e.exp) {
		l.order.Remove(el)
		delete(l.items, key)
		return nil, false
	}
	l.order.MoveToFront(el)
	return e, true
}

// put stores val under key until exp, evicting the least recently used
// entry when the map is full.
func (l *lru[V]) put(key string, val V, now, exp time.Time) {
	if el, ok := l.items[key]; ok {
		l.order.Remove(el)
		delete(l.items, key)
	}
	for l.order.Len() >= max(l.max, 1) {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.items, oldest.Value.(*entry[V]).key)
	}
	l.items[key] = l.order.PushFront(&entry[V]{key: key, val: val, stored: now, exp: exp})
}

func (l *lru[V]) len() int { return l.order.Len() }
