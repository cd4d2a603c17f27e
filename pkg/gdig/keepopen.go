package gdig

import (
	"sync"

	"github.com/miekg/dns"
)

// keptConns are +keepopen's TCP connections, at most one idle per server,
// shared by every lookup of a command line (or batch), as dig keeps one
// socket open for all of them. A lookup takes a connection out while it
// asks, so lookups running at once in a batch never share one.
type keptConns struct {
	mu   sync.Mutex
	idle map[string]*dns.Conn
}

// take is target's idle connection, nil if none is open.
func (k *keptConns) take(target string) *dns.Conn {
	k.mu.Lock()
	defer k.mu.Unlock()
	co := k.idle[target]
	delete(k.idle, target)
	return co
}

// put keeps co open for target's next lookup (closing it if another is
// already kept).
func (k *keptConns) put(target string, co *dns.Conn) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.idle == nil {
		k.idle = map[string]*dns.Conn{}
	}
	if old := k.idle[target]; old != nil {
		old.Close()
	}
	k.idle[target] = co
}

// closeAll closes the connections kept, once the lookups are done.
func (k *keptConns) closeAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for target, co := range k.idle {
		co.Close()
		delete(k.idle, target)
	}
}
