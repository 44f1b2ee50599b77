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
