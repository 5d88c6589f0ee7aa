package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/mail"
)

// E-mail ingestion (issue 22, item 2): the signed-in user's IMAP
// accounts, their rules, and polling one now. Passwords go in, never out.

// pollBudget bounds a poll asked for over the API; what it did not reach
// the worker's next poll takes (nothing is taken twice).
const pollBudget = 25 * time.Second

func (s *Server) mailPoller() (*mail.Poller, error) {
	if s.d.Mail == nil {
		return nil, errorf(http.StatusServiceUnavailable, "unavailable", "e-mail accounts are not available: the server has no usable SECRET_KEY")
	}
	return s.d.Mail, nil
}

func (s *Server) listMailAccounts(w http.ResponseWriter, r *http.Request) error {
	as, err := mail.ListAccounts(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": as})
	return nil
}

func (s *Server) createMailAccount(w http.ResponseWriter, r *http.Request) error {
	p, err := s.mailPoller()
	if err != nil {
		return err
	}
	var req mail.NewAccount
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := mail.AddAccount(r.Context(), s.d.DB, p.Keyring, currentUser(r).ID, req)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.SettingsChange, ResourceID: a.ID, Metadata: map[string]any{"what": "mail_account", "action": "create", "name": a.Name, "host": a.Host}})
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) deleteMailAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	a, err := mail.GetAccount(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	if err := mail.DeleteAccount(r.Context(), s.d.DB, u.ID, id); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.SettingsChange, ResourceID: id, Metadata: map[string]any{"what": "mail_account", "action": "delete", "name": a.Name}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listMailRules(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rs, err := mail.ListRules(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": rs})
	return nil
}

func (s *Server) createMailRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req mail.NewRule
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	rule, err := mail.AddRule(r.Context(), s.d.DB, currentUser(r).ID, id, req)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.SettingsChange, ResourceID: id, Metadata: map[string]any{"what": "mail_account", "action": "rule_add", "folder": rule.Folder, "mode": rule.Mode}})
	writeJSON(w, http.StatusCreated, rule)
	return nil
}

func (s *Server) deleteMailRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := mail.DeleteRule(r.Context(), s.d.DB, currentUser(r).ID, id, r.PathValue("rule")); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.SettingsChange, ResourceID: id, Metadata: map[string]any{"what": "mail_account", "action": "rule_remove"}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pollMailAccount polls one account now and answers what the poll did
// and the account as it is after it (status ERROR with last_error when it
// could not be polled).
func (s *Server) pollMailAccount(w http.ResponseWriter, r *http.Request) error {
	p, err := s.mailPoller()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	a, err := mail.GetAccount(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), pollBudget)
	defer cancel()
	sum, err := p.Poll(ctx, a)
	if err != nil && !errors.Is(err, mail.ErrAccount) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	after, err := mail.GetAccount(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"summary": sum, "account": after})
	return nil
}
