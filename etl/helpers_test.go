package etl

import (
	"context"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
)

func pgxpoolNew(ctx context.Context, url string) (*pgxpool.Pool, error) { return pgxpool.New(ctx, url) }

// startSignal tells the parent test that the killable run streams children.
type startSignal struct{}

func (startSignal) Start(int64) { os.Stdout.WriteString("start\n") }
func (startSignal) Add(int)     {}
func (startSignal) Finish()     {}

// testSecret seeds the cell keys of every test run (the same in the killed
// child process and its parent, so their runs are comparable).
var testSecret = []byte("treem etl test cell-key secret")
