package graph

import (
	"context"

	"treem/graph/model"
	"treem/internal/domain"
)

// Accounts manages the dashboard's users (auth.Accounts implements it, on
// the same store as `treem user`). Its writes are audited in their own
// transaction.
type Accounts interface {
	Add(ctx context.Context, a domain.Account, password string) (domain.Account, error)
	Disable(ctx context.Context, username string) (domain.Account, int64, error)
	ResetPassword(ctx context.Context, username, password string) (domain.Account, int64, error)
	Users(ctx context.Context) ([]domain.Account, error)
}

func (r *Resolver) accounts() (Accounts, error) {
	if r.Accounts == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "this server manages no users")
	}
	return r.Accounts, nil
}

func toUserAccount(a domain.Account) *model.UserAccount {
	return &model.UserAccount{Username: a.Username, DisplayName: a.DisplayName, Role: roleModel(a.Role), Area: a.Area, Active: a.Active}
}

// userChange is a changed user and the sessions the change ended.
type userChange struct {
	account domain.Account
	ended   int64
}

func userPayload(c userChange, errs []*model.UserError) *model.UserAccountPayload {
	p := &model.UserAccountPayload{Errors: errs}
	if len(errs) == 0 {
		p.User, p.SessionsEnded = toUserAccount(c.account), int(c.ended)
	}
	return p
}

func (r *Resolver) users(ctx context.Context) ([]*model.UserAccount, error) {
	acc, err := r.accounts()
	if err != nil {
		return nil, err
	}
	us, err := acc.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.UserAccount, len(us))
	for i, u := range us {
		out[i] = toUserAccount(u)
	}
	return out, nil
}

func (r *Resolver) addUser(ctx context.Context, in model.AddUserInput) (*model.UserAccountPayload, error) {
	acc, err := r.accounts()
	if err != nil {
		return nil, err
	}
	a, err := acc.Add(ctx, domain.Account{Username: in.Username, DisplayName: deref(in.DisplayName), Role: domainRole(in.Role),
		Area: in.Area}, in.Password)
	return answer(ctx, "input", userChange{account: a}, err, userPayload)
}

func (r *Resolver) disableUser(ctx context.Context, username string) (*model.UserAccountPayload, error) {
	acc, err := r.accounts()
	if err != nil {
		return nil, err
	}
	a, ended, err := acc.Disable(ctx, username)
	return answer(ctx, "", userChange{a, ended}, err, userPayload)
}

func (r *Resolver) resetUserPassword(ctx context.Context, in model.ResetUserPasswordInput) (*model.UserAccountPayload, error) {
	acc, err := r.accounts()
	if err != nil {
		return nil, err
	}
	a, ended, err := acc.ResetPassword(ctx, in.Username, in.Password)
	return answer(ctx, "input", userChange{a, ended}, err, userPayload)
}
