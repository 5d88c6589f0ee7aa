package auth

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/docuvault/docuvault/pkg/users"
)

// accountQuery is Authenticate's one query: prepared once per connection,
// so PostgreSQL does not plan it every time.
// With a session id ($2, "" for an access token from before sessions) it
// also tells whether that session is still going.
const accountQuery = `SELECT u.id, u.handle, u.email, u.role, u.is_active, u.created_at, u.token_generation,
	($2 = '' OR EXISTS (SELECT 1 FROM sessions s WHERE s.id = NULLIF($2, '')::uuid AND s.user_id = u.id AND s.ended_at IS NULL)) AS session_live
	FROM users u WHERE u.id = $1`

// account is a user as Authenticate reads it: with the token generation
// its access tokens must carry (or exceed).
type account struct {
	users.User
	Generation  int64 `db:"token_generation"`
	SessionLive bool  `db:"session_live"`
}

// maxCachedAccounts bounds the accountCache; past it, expired entries are
// dropped, and if none has expired the cache starts again empty.
const maxCachedAccounts = 10000

// account returns the account id, with whether its session sid is still
// going, from the cache while it is fresh, else through the prepared
// accountQuery. sql.ErrNoRows means there is none.
func (s *Service) account(ctx context.Context, id, sid string) (account, error) {
	key := id + "|" + sid
	a, ok, gen := s.accounts.get(key)
	if ok {
		return a, nil
	}
	st, err := s.stmts.Prepare(ctx, accountQuery)
	if err != nil {
		return account{}, err
	}
	if err := st.GetContext(ctx, &a, id, sid); err != nil {
		return account{}, err
	}
	s.accounts.put(key, a, gen)
	return a, nil
}

// accountCache keeps the accounts Authenticate has read for a short while
// (Options.AccountTTL, one second by default). Every API request checks its
// account; without the cache a burst from one person, such as a folder of
// uploads from the web app, costs PostgreSQL one query per request (in
// scripts/bench-api.sh that query was about a quarter of PostgreSQL's CPU
// per upload). It is soft state: an account changed through this Service
// (UpdateAccount) is forgotten at once, and a read that began before the
// change is not kept; one changed elsewhere (another serve instance, or
// SQL) is read again within the TTL. A missing account is not cached.
type accountCache struct {
	ttl time.Duration // <= 0: nothing is kept
	max int

	mu  sync.Mutex
	m   map[string]cachedAccount
	gen uint64 // counts forget calls: a read older than the last one is not kept
}

type cachedAccount struct {
	a     account
	until time.Time
}

func newAccountCache(ttl time.Duration, max int) *accountCache {
	return &accountCache{ttl: ttl, max: max, m: make(map[string]cachedAccount)}
}

// get returns id's account if it was read less than the TTL ago; if not,
// it returns the generation to hand to put with the account read now.
func (c *accountCache) get(id string) (account, bool, uint64) {
	if c.ttl <= 0 {
		return account{}, false, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !time.Now().Before(e.until) {
		return account{}, false, c.gen
	}
	return e.a, true, c.gen
}

// put keeps a for the TTL, unless an account was forgotten since the get
// that returned gen (a may have been read before that change).
func (c *accountCache) put(key string, a account, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= c.max {
		for id, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, id)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[key] = cachedAccount{a: a, until: now.Add(c.ttl)}
}

// forget drops id's account (with every session of it), so the next
// request reads it again.
func (c *accountCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if strings.HasPrefix(k, id+"|") {
			delete(c.m, k)
		}
	}
	c.gen++
}
