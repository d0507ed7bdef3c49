package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockPoll is how often a waiting Open tries the lock again.
const lockPoll = 100 * time.Millisecond

// holder is what the lock file says about the process holding it.
type holder struct {
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// acquireLock takes an exclusive flock on path, waiting up to wait for it.
// The kernel drops the lock when the holder exits, however it exits, so a
// killed run never leaves a stale lock behind. flock is Unix only; a
// Windows build would need LockFileEx here.
func acquireLock(ctx context.Context, path string, wait time.Duration,
	clock Clock) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &DirError{Dir: filepath.Dir(path), Err: err}
	}

	deadline := clock.Now().Add(wait)
	for {
		err := tryLock(f)
		if err == nil {
			break
		}
		left := deadline.Sub(clock.Now())
		if !errors.Is(err, syscall.EWOULDBLOCK) || left <= 0 {
			f.Close()
			return nil, lockFailure(path, err)
		}
		if err := clock.Sleep(ctx, min(left, lockPoll)); err != nil {
			f.Close()
			return nil, fmt.Errorf("wait for incident lock %s: %w", path, err)
		}
	}

	if err := writeHolder(f, clock.Now()); err != nil {
		f.Close()
		return nil, fmt.Errorf("write incident lock %s: %w", path, err)
	}
	return f, nil
}

func tryLock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func lockFailure(path string, err error) error {
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		err = fmt.Errorf("lock %s: %w", path, err)
		return &DirError{Dir: filepath.Dir(path), Err: err}
	}
	e := &LockedError{Path: path}
	var h holder
	if data, rerr := os.ReadFile(path); rerr == nil && json.Unmarshal(data, &h) == nil {
		e.PID, e.Since = h.PID, h.Since
	}
	return e
}

func writeHolder(f *os.File, now time.Time) error {
	data, err := json.Marshal(holder{PID: os.Getpid(), Since: now.UTC()})
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = f.WriteAt(append(data, '\n'), 0)
	return err
}

// releaseLock forgets the holder and drops the lock.
func releaseLock(f *os.File) error {
	terr := f.Truncate(0)
	return errors.Join(terr, f.Close())
}
