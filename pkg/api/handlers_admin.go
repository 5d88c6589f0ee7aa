package api

import (
	"net/http"
	"strings"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/users"
)

func (s *Server) adminListUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := users.List(r.Context(), s.d.DB)
	if err != nil {
		return err
	}
	if us == nil {
		us = []users.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
	return nil
}

func (s *Server) adminGetUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := users.Get(r.Context(), s.d.DB, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

type createUserRequest struct {
	Handle     string `json:"handle"`
	Email      string `json:"email"`
	Password   string `json:"password"`
	Role       string `json:"role"`
	QuotaBytes *int64 `json:"quota_bytes"`
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	var req createUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Role != "" && req.Role != auth.RoleUser && req.Role != auth.RoleAdmin {
		return auth.ErrInvalidRole
	}
	if err := users.ValidateHandle(req.Handle); err != nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "%s", err)
	}
	quota := s.d.DefaultQuota
	if req.QuotaBytes != nil {
		if *req.QuotaBytes < 0 {
			return errorf(http.StatusUnprocessableEntity, "invalid_field", "quota_bytes must not be negative")
		}
		quota = *req.QuotaBytes
	}
	if req.Password != "" {
		if err := s.d.Passwords.Check(req.Password, passwords.Account{Handle: req.Handle, Email: req.Email}); err != nil {
			return err
		}
	}
	u, err := users.Create(r.Context(), s.d.DB, users.NewUser{
		Handle: req.Handle, Email: req.Email, Password: req.Password, Admin: req.Role == auth.RoleAdmin, QuotaBytes: quota, HashCost: s.d.Passwords.Hash,
	})
	if err != nil {
		if isUserInputError(err) {
			return errorf(http.StatusUnprocessableEntity, "invalid_field", "%s", err)
		}
		return err
	}
	s.record(r, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
		Metadata: map[string]any{"resource": "user", "action": "create", "handle": u.Handle, "role": u.Role}})
	writeJSON(w, http.StatusCreated, u)
	return nil
}

// isUserInputError reports an error of users.Create about its input (a bad
// email, a negative quota): those are not wrapped in a sentinel.
func isUserInputError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"is not a valid address", "quota must not be negative", "password too short"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

type updateUserRequest struct {
	IsActive   *bool   `json:"is_active"`
	Role       *string `json:"role"`
	QuotaBytes *int64  `json:"quota_bytes"`
}

func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req updateUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	me := currentUser(r)
	if id == me.ID && ((req.IsActive != nil && !*req.IsActive) || (req.Role != nil && *req.Role != auth.RoleAdmin)) {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "you cannot disable or demote your own account: ask another administrator")
	}
	if req.QuotaBytes != nil && *req.QuotaBytes < 0 {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "quota_bytes must not be negative")
	}
	u, err := s.d.Auth.UpdateAccount(r.Context(), id, auth.AccountChange{Active: req.IsActive, Role: req.Role})
	if err != nil {
		return err
	}
	if req.QuotaBytes != nil {
		if u, err = users.SetQuota(r.Context(), s.d.DB, u.Handle, *req.QuotaBytes); err != nil {
			return err
		}
	}
	meta := map[string]any{"resource": "user", "action": "update", "handle": u.Handle}
	if req.IsActive != nil {
		meta["is_active"] = *req.IsActive
	}
	if req.Role != nil {
		meta["role"] = *req.Role
	}
	if req.QuotaBytes != nil {
		meta["quota_bytes"] = *req.QuotaBytes
	}
	s.record(r, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID, Metadata: meta})
	writeJSON(w, http.StatusOK, u)
	return nil
}
