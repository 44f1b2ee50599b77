package graph

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"

	"treem/internal/domain"
)

// Cursors seals pagination cursors: a cursor is the base64 of the keyset of the
// last row (order, id and sort value) encrypted and authenticated with a
// per-process key. Sealing matters twice: a tampered cursor fails to open
// (INVALID_INPUT), and a cursor of a list ordered by name does not hand out
// the name without the audited fullName field.
type Cursors struct {
	aead cipher.AEAD
}

// NewCursors returns a sealer with a fresh random key: cursors last as long as
// the process, which is as long as a client pages through a list.
func NewCursors() *Cursors {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand never fails on supported platforms
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Cursors{aead: aead}
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

// open returns the keyset of cursor, which must belong to order.
func (c *Cursors) open(cursor, order string) (keyset, error) {
	bad := domain.Invalid("after", "the cursor is not valid for this list")
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

// pageSize applies the default and the maximum to a list's first argument.
func pageSize(first *int) (int, error) {
	if first == nil {
		return domain.PageDefault, nil
	}
	if *first < 0 || *first > domain.PageMax {
		return 0, domain.Invalid("first", "must be between 0 and %d", domain.PageMax)
	}
	return *first, nil
}

// idPage reads first/after of a list ordered by id alone.
func (c *Cursors) idPage(list string, first *int, after *string) (domain.Page[int64], error) {
	n, err := pageSize(first)
	if err != nil {
		return domain.Page[int64]{}, err
	}
	p := domain.Page[int64]{First: n}
	if after != nil {
		k, err := c.open(*after, list)
		if err != nil {
			return p, err
		}
		p.After = &k.ID
	}
	return p, nil
}
