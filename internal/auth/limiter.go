package auth

import (
	"sync"
	"time"
)

// Limits of failed sign-ins: after PerUser failures for one username, or
// PerAddr from one client address, within Window, further attempts are
// refused until the oldest failure leaves the window.
type Limits struct {
	PerUser int
	PerAddr int
	Window  time.Duration
}

// DefaultLimits: 5 failures per username and 20 per address in 15 minutes.
var DefaultLimits = Limits{PerUser: 5, PerAddr: 20, Window: 15 * time.Minute}

// Limiter counts failed sign-ins in memory, per username and per client
// address, over a sliding window. It is per process: behind several replicas
// each counts its own, so the limits multiply by their number.
type Limiter struct {
	limits Limits
	now    func() time.Time

	mu     sync.Mutex
	byUser map[string][]time.Time
	byAddr map[string][]time.Time
}

// NewLimiter returns a limiter of l; now may be nil (wall clock).
func NewLimiter(l Limits, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limits: l, now: now, byUser: map[string][]time.Time{}, byAddr: map[string][]time.Time{}}
}

// Wait returns how long an attempt for user from addr must wait: 0 when it
// may go ahead.
func (l *Limiter) Wait(user, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return max(l.wait(l.byUser, user, l.limits.PerUser, now), l.wait(l.byAddr, addr, l.limits.PerAddr, now))
}

// wait trims key's failures to the window and returns the time until one
// more is allowed.
func (l *Limiter) wait(m map[string][]time.Time, key string, limit int, now time.Time) time.Duration {
	fails := m[key]
	i := 0
	for i < len(fails) && now.Sub(fails[i]) >= l.limits.Window {
		i++
	}
	fails = fails[i:]
	if len(fails) == 0 {
		delete(m, key)
		return 0
	}
	m[key] = fails
	if len(fails) < limit {
		return 0
	}
	return fails[len(fails)-limit].Add(l.limits.Window).Sub(now)
}

// Fail records a failed attempt and tells whether it reached a limit, so
// that the next attempt waits (a lockout).
func (l *Limiter) Fail(user, addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.byUser)+len(l.byAddr) > sweepAt {
		l.sweep(now)
	}
	l.byUser[user] = append(l.byUser[user], now)
	l.byAddr[addr] = append(l.byAddr[addr], now)
	return l.wait(l.byUser, user, l.limits.PerUser, now) > 0 || l.wait(l.byAddr, addr, l.limits.PerAddr, now) > 0
}

// Succeed forgets user's failures: the owner of the account came back.
// The address's stay, so that one address cannot try many names in turn.
func (l *Limiter) Succeed(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byUser, user)
}

// sweepAt is the number of keys above which a failure first sweeps the
// keys whose failures have left the window.
const sweepAt = 10000

// sweep drops every key whose failures have all left the window, so that
// the maps do not grow with every name ever tried.
// Its caller holds l.mu.
func (l *Limiter) sweep(now time.Time) {
	for _, m := range []map[string][]time.Time{l.byUser, l.byAddr} {
		for k, fails := range m {
			if len(fails) == 0 || now.Sub(fails[len(fails)-1]) >= l.limits.Window {
				delete(m, k)
			}
		}
	}
}
