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
