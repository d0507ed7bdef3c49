package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/ram"
)

// KeySchemaVersion versions KeyReport, the document SOAR systems parse.
const KeySchemaVersion = "1"

// ErrGuardRefused is wrapped by every guard refusal.
var ErrGuardRefused = errors.New("refused by guard")

// GuardError says which guard refused and what to do instead.
type GuardError struct {
	Guard  string // own-key, own-user, root-key
	Reason string
	Advice string
}

func (e *GuardError) Error() string {
	return fmt.Sprintf("refused (%s guard): %s; %s", e.Guard, e.Reason, e.Advice)
}

// Is makes the error match ErrGuardRefused.
func (e *GuardError) Is(target error) bool { return target == ErrGuardRefused }

// KeyRequest is one `respond key` run for one key.
type KeyRequest struct {
	KeyID       string
	IncidentID  string
	IncidentDir string
	Delete      bool // delete the key after disabling it
	Force       bool // override the own-user guard (never the own-key guard)
	DryRun      bool
	Confirm     func(ctx context.Context, p Plan) (bool, error)
	LockWait    time.Duration
	ToolVersion string
}

// KeyReport is the outcome of a key run, rendered as text or JSON.
type KeyReport struct {
	SchemaVersion string        `json:"schema_version"`
	IncidentID    string        `json:"incident_id"`
	IncidentDir   string        `json:"incident_dir"`
	KeyID         string        `json:"key_id"`
	DryRun        bool          `json:"dry_run"`
	Status        string        `json:"status"`
	Caller        *ram.Identity `json:"caller,omitempty"`
	Owner         *ram.Owner    `json:"owner,omitempty"`
	Profile       *ram.Profile  `json:"owner_profile,omitempty"`
	Keys          []ram.Key     `json:"owner_keys,omitempty"`
	Guard         *GuardError   `json:"-"`
	Run           *Result       `json:"run,omitempty"`
}

// ContainKey opens (or resumes) the incident for one key and contains it:
// identify the owner, apply the guards, disable, and delete when asked.
// Reads that only inform the report wait until the key is disabled.
func ContainKey(ctx context.Context, svc *ram.Service, req KeyRequest,
	log zerolog.Logger) (*KeyReport, error) {
	if err := ram.ValidateKeyID(req.KeyID); err != nil {
		return nil, err
	}
	rep := &KeyReport{SchemaVersion: KeySchemaVersion, IncidentID: req.IncidentID,
		IncidentDir: req.IncidentDir, KeyID: req.KeyID, DryRun: req.DryRun}
	log = log.With().Str("incident_id", req.IncidentID).
		Str("access_key_id", cloud.MaskKeyID(req.KeyID)).Logger()

	inc, err := Open(ctx, OpenOptions{Dir: req.IncidentDir, IncidentID: req.IncidentID,
		Subject: req.KeyID, LockWait: req.LockWait, Logger: log,
		ToolVersion: req.ToolVersion})
	if err != nil {
		return rep, err
	}
	defer inc.Close()

	caller, owner, err := identify(ctx, svc, req.KeyID)
	rep.Caller, rep.Owner = caller, owner
	if caller != nil {
		_ = inc.Record(ctx, "caller_identity", caller)
	}
	var nf *ram.KeyNotFoundError
	if errors.As(err, &nf) {
		// A key this incident already identified and that is gone now was
		// deleted, by an earlier run or by someone else: the steps below
		// will find their desired state holds and journal it so.
		if owner = earlierOwner(req.IncidentDir, req.KeyID); owner == nil {
			rep.Status = "not_found"
			return rep, fmt.Errorf("%w: %w", ErrKeyNotFound, nf)
		}
		rep.Owner = owner
		log.Info().Msg("key no longer exists; resuming with the owner journaled earlier")
	} else if err != nil {
		return rep, err
	} else {
		if owner.AccountID == "" {
			// IMS only answers for the caller's own account.
			owner.AccountID = caller.AccountID
		}
		if err := inc.Record(ctx, "key_owner", owner); err != nil {
			return rep, err
		}
	}

	if g := guard(caller, owner, req.Force); g != nil {
		rep.Guard = g
		rep.Status = "refused"
		_ = inc.Record(ctx, "guard_refused", g)
		log.Warn().Str("guard", g.Guard).Msg("guard refused the run")
		return rep, g
	}

	steps := []Step{&disableKey{svc: svc, user: owner.UserName, keyID: req.KeyID}}
	if req.Delete {
		steps = append(steps, &deleteKey{svc: svc, user: owner.UserName, keyID: req.KeyID})
	}
	res, runErr := inc.Run(ctx, steps, RunOptions{DryRun: req.DryRun, Confirm: req.Confirm})
	rep.Run = res
	if res != nil {
		rep.Status = res.Status
	}
	rep.Keys = steps[0].(*disableKey).keys

	// Containment is over (or was refused); now the reads that only inform.
	rep.Profile = svc.OwnerProfile(ctx, owner.UserName, req.KeyID)
	if err := inc.Record(ctx, "owner_profile", rep.Profile); err != nil && runErr == nil {
		runErr = err
	}
	if len(rep.Keys) > 0 {
		_ = inc.Record(ctx, "owner_keys", rep.Keys)
	}
	return rep, runErr
}

// identify asks who the responder is and who owns the key, at once.
func identify(ctx context.Context, svc *ram.Service, keyID string) (*ram.Identity,
	*ram.Owner, error) {
	var (
		wg              sync.WaitGroup
		caller          *ram.Identity
		owner           *ram.Owner
		callErr, ownErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		caller, callErr = svc.CallerIdentity(ctx)
	}()
	go func() {
		defer wg.Done()
		owner, ownErr = svc.FindKeyOwner(ctx, keyID)
	}()
	wg.Wait()
	if callErr != nil {
		return nil, owner, fmt.Errorf("identify the responder: %w", callErr)
	}
	return caller, owner, ownErr
}

// guard refuses runs that would lock the responder out or cannot work.
func guard(caller *ram.Identity, owner *ram.Owner, force bool) *GuardError {
	masked := cloud.MaskKeyID(owner.KeyID)
	switch {
	case slices.Contains(caller.KeyIDs, owner.KeyID):
		return &GuardError{Guard: "own-key",
			Reason: fmt.Sprintf("%s is the key this responder signs with", masked),
			Advice: "run respond with other credentials (another user, or " +
				"--assume-role); --force does not override this guard"}
	case owner.Kind == ram.OwnerRoot:
		return &GuardError{Guard: "root-key",
			Reason: fmt.Sprintf("%s belongs to the account's root identity, which RAM "+
				"cannot manage", masked),
			Advice: "sign in to the console as the account owner and disable the key " +
				"under AccessKey management, then run respond for any RAM keys involved"}
	case caller.Type == ram.IdentityUser && caller.UserName == owner.UserName && !force:
		return &GuardError{Guard: "own-user",
			Reason: fmt.Sprintf("%s belongs to %s, the RAM user this responder runs as",
				masked, owner.UserName),
			Advice: "run as another identity, or pass --force if disabling a sibling " +
				"key of your own user is intended"}
	}
	return nil
}

// earlierOwner returns the owner of keyID as an earlier run of this
// incident journaled it, or nil.
func earlierOwner(dir, keyID string) *ram.Owner {
	recs, err := ReadJournal(filepath.Join(dir, "journal.jsonl"))
	if err != nil {
		return nil
	}
	for _, r := range recs {
		if r.Kind != KindFinding {
			continue
		}
		var f struct {
			Name  string    `json:"name"`
			Value ram.Owner `json:"value"`
		}
		if json.Unmarshal(r.Data, &f) == nil && f.Name == "key_owner" &&
			f.Value.KeyID == keyID && f.Value.UserName != "" {
			return &f.Value
		}
	}
	return nil
}

// ErrKeyNotFound is returned when the key matches nothing in the account.
var ErrKeyNotFound = errors.New("access key not found")
