package graph

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"treem/graph/model"
	"treem/internal/domain"
)

// Cursors seals pagination cursors: a cursor is the base64 of the keyset of the
// last row (order, id and sort value) encrypted and authenticated with a key
// from configuration (TREEM_CURSOR_KEY), so that a page opened on one server
// process continues on another, after a restart or on a second replica.
// Sealing matters twice: a tampered cursor fails to open (INVALID_INPUT), and a
// cursor of a list ordered by name does not hand out the name without the
// audited fullName field.
type Cursors struct {
	aead cipher.AEAD
}

// CursorKeyMinLen is the shortest cursor key accepted, as long as the AES-256
// key derived from it.
const CursorKeyMinLen = 32

// NewCursors returns a sealer for key, at least CursorKeyMinLen bytes. The
// AES-256 key is an HMAC of a fixed label under key, so a key shared with
// another purpose by mistake still seals cursors under a key of their own.
func NewCursors(key []byte) (*Cursors, error) {
	if len(key) < CursorKeyMinLen {
		return nil, domain.Errorf(domain.CodeInvalidInput,
			"the cursor key must be at least %d bytes, got %d", CursorKeyMinLen, len(key))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("treem pagination cursors v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("cursor cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cursor cipher: %w", err)
	}
	return &Cursors{aead: aead}, nil
}

// processCursors returns a sealer with a random key: its cursors last as long
// as the process.
func processCursors() *Cursors {
	key := make([]byte, CursorKeyMinLen)
	_, _ = rand.Read(key) // crypto/rand never fails on supported platforms
	c, err := NewCursors(key)
	if err != nil {
		panic(err) // a key of the minimum length always makes a cipher
	}
	return c
}

// keyset is a cursor's content: the order it belongs to and the last row's keys.
type keyset struct {
	Order string    `json:"o"`
	ID    int64     `json:"i"`
	Date  time.Time `json:"d,omitzero"`
	Text  string    `json:"t,omitempty"`
}

func (c *Cursors) seal(k keyset) string {
	plain, _ := json.Marshal(k) // a keyset always marshals
	nonce := make([]byte, c.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, plain, nil))
}

// open returns the keyset of the cursor given in field, which must belong to order.
func (c *Cursors) open(field, cursor, order string) (keyset, error) {
	bad := domain.Invalid(field, "the cursor is not valid for this list")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	n := c.aead.NonceSize()
	if err != nil || len(raw) < n {
		return keyset{}, bad
	}
	plain, err := c.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return keyset{}, bad
	}
	var k keyset
	if err := json.Unmarshal(plain, &k); err != nil || k.Order != order || k.ID <= 0 {
		return keyset{}, bad
	}
	return k, nil
}

// pageArgs are a list's paging arguments as the schema takes them.
type pageArgs struct {
	first  *int
	after  *string
	last   *int
	before *string
}

// way picks the pair a gives: first/after pages forward, last/before
// backward, and the two pairs do not mix. It also names the pair's arguments,
// for the errors about them.
func (a pageArgs) way() (backward bool, size *int, cursor *string, sizeField, cursorField string, err error) {
	backward = a.last != nil || a.before != nil
	if !backward {
		return false, a.first, a.after, "first", "after", nil
	}
	if a.first != nil || a.after != nil {
		err = domain.Invalid("last", "first/after and last/before page opposite ways: give one pair")
	}
	return true, a.last, a.before, "last", "before", err
}

// pageSize applies the default and the maximum to the page size given in field.
func pageSize(field string, size *int) (int, error) {
	if size == nil {
		return domain.PageDefault, nil
	}
	if *size < 0 || *size > domain.PageMax {
		return 0, domain.Invalid(field, "must be between 0 and %d", domain.PageMax)
	}
	return *size, nil
}

// page reads a for the list named list: the page size, the direction and the
// keyset of the cursor given, if any.
func (c *Cursors) page(list string, a pageArgs) (n int, backward bool, from *keyset, err error) {
	backward, size, cursor, sizeField, cursorField, err := a.way()
	if err != nil {
		return 0, false, nil, err
	}
	if n, err = pageSize(sizeField, size); err != nil {
		return 0, false, nil, err
	}
	if cursor != nil {
		k, err := c.open(cursorField, *cursor, list)
		if err != nil {
			return 0, false, nil, err
		}
		from = &k
	}
	return n, backward, from, nil
}

// pageFrom is the store's page of n rows read from key in its direction.
func pageFrom[K any](n int, backward bool, key *K) domain.Page[K] {
	if backward {
		return domain.Page[K]{First: n, Backward: true, Before: key}
	}
	return domain.Page[K]{First: n, After: key}
}

// datedPage reads the paging arguments of a list of dated records in order
// o, and names the list for its cursors: a cursor of one order does not
// continue another.
func (c *Cursors) datedPage(list string, o domain.DatedOrder, a pageArgs) (string, domain.Page[domain.DatedKey], error) {
	if o.ByDate {
		list += ":date"
	}
	if o.Desc {
		list += ":desc"
	}
	n, backward, k, err := c.page(list, a)
	if err != nil || k == nil {
		return list, pageFrom[domain.DatedKey](n, backward, nil), err
	}
	return list, pageFrom(n, backward, &domain.DatedKey{ID: k.ID, Date: k.Date}), nil
}

// pageInfo describes a page whose rows carry cursors, read in the direction
// backward says; more tells of rows beyond it in that direction. The other
// direction answers false, as Relay allows, rather than cost a statement.
func pageInfo(cursors []string, backward, more bool) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: more && !backward, HasPreviousPage: more && backward}
	if len(cursors) > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	return info
}
