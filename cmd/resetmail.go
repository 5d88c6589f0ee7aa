package cmd

import (
	"fmt"

	"github.com/gomodule/redigo/redis"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/mailer"
	"github.com/docuvault/docuvault/pkg/ratelimit"
)

// resetMailer mails password reset links through the configured SMTP
// server; nil (and no error) when none is configured. pool counts the
// "forgot password" requests (nil for the CLI, which answers none).
func (a *app) resetMailer(pool *redis.Pool) (*accounts.ResetMailer, error) {
	if !a.cfg.SMTP.Configured() {
		return nil, nil
	}
	mc, err := a.cfg.SMTP.Mailer()
	if err != nil {
		return nil, err
	}
	m, err := mailer.New(mc)
	if err != nil {
		return nil, fmt.Errorf("DOCUVAULT_SMTP_*: %w", err)
	}
	return &accounts.ResetMailer{
		Sender:     m,
		PublicURL:  a.cfg.PublicURL,
		Limits:     ratelimit.Counter{Pool: pool, Namespace: a.cfg.RedisNamespace},
		PerAddress: accounts.Limit{N: a.cfg.SMTP.ResetLimit.N, Window: a.cfg.SMTP.ResetLimit.Window},
		PerIP:      accounts.Limit{N: a.cfg.SMTP.ResetIPLimit.N, Window: a.cfg.SMTP.ResetIPLimit.Window},
		Log:        a.log,
	}, nil
}
