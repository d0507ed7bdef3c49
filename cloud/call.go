package cloud

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Retry is the policy for calls the cloud answered with throttling or a
// server fault, and for calls that never got an answer. Every call the
// responder makes is safe to repeat: reads trivially, and each write sets a
// state (a key Inactive, a role present) rather than adding to one.
type Retry struct {
	Attempts int           // total tries, at least 1
	Base     time.Duration // first backoff; doubles each time, with jitter
	Max      time.Duration // backoff ceiling
}

// defaultRetry suits interactive incident response: about six seconds of
// patience before a step is reported failed and can be resumed.
var defaultRetry = Retry{Attempts: 5, Base: 200 * time.Millisecond, Max: 3 * time.Second}

// call runs one SDK call under ctx and the retry policy. The classic SDK
// takes no context, so a cancelled ctx abandons the call in flight: the
// journal marks such a call as in doubt and the next run reads the state
// back before doing anything.
func (c *Clients) call(ctx context.Context, service, action string, fn func() error) error {
	r := c.retry
	var err error
	for attempt := 1; ; attempt++ {
		err = c.once(ctx, service, action, fn)
		if err == nil || attempt >= r.Attempts || !retryable(err) ||
			ctx.Err() != nil {
			return err
		}
		wait := backoff(r, attempt)
		c.Log.Debug().Str("service", service).Str("action", action).
			Int("attempt", attempt).Dur("backoff", wait).Err(err).
			Msg("retrying api call")
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (c *Clients) once(ctx context.Context, service, action string, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err != nil {
			return fromSDK(service, action, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func retryable(err error) bool {
	var ce *Error
	if !errors.As(err, &ce) {
		// No answer from the cloud: a dropped connection or a timeout.
		return !errors.Is(err, context.Canceled) &&
			!errors.Is(err, context.DeadlineExceeded)
	}
	return errors.Is(ce, ErrThrottled) || errors.Is(ce, ErrUnavailable)
}

func backoff(r Retry, attempt int) time.Duration {
	d := r.Base << (attempt - 1)
	if d > r.Max || d <= 0 {
		d = r.Max
	}
	// Full jitter keeps parallel runs from retrying in lockstep.
	return d/2 + rand.N(d/2+1)
}
