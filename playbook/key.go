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
	Guard  string `json:"guard"` // own-key, own-user, root-key
	Reason string `json:"reason"`
	Advice string `json:"advice"`
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
	Guard         *GuardError   `json:"refusal,omitempty"`
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

	k := &keyRun{svc: svc, req: req, inc: inc, log: log, rep: rep}
	if err := k.identify(ctx); err != nil {
		return rep, err
	}
	if err := k.guard(ctx); err != nil {
		return rep, err
	}
	runErr := k.contain(ctx)
	return rep, errors.Join(runErr, k.inform(ctx))
}

// keyRun is one key's way through ContainKey.
type keyRun struct {
	svc *ram.Service
	req KeyRequest
	inc *Incident
	log zerolog.Logger
	rep *KeyReport

	lastUsed chan lastUse // read before a delete, when one is asked for
}

type lastUse struct {
	when string
	err  error
}

// identify finds the responder and the key's owner and journals both.
func (k *keyRun) identify(ctx context.Context) error {
	caller, owner, err := identify(ctx, k.svc, k.req.KeyID)
	k.rep.Caller, k.rep.Owner = caller, owner
	if caller != nil {
		if err := k.inc.Record(ctx, "caller_identity", caller); err != nil {
			return err
		}
	}
	var nf *ram.KeyNotFoundError
	switch {
	case errors.As(err, &nf):
		// A key this incident already identified and that is gone now was
		// deleted, by an earlier run or by someone else: the steps will
		// find their desired state holds and journal it so.
		if owner = earlierOwner(k.req.IncidentDir, k.req.KeyID); owner == nil {
			k.rep.Status = "not_found"
			return fmt.Errorf("%w: %w", ErrKeyNotFound, nf)
		}
		k.rep.Owner = owner
		k.log.Info().Msg("key no longer exists; resuming with the owner journaled earlier")
		return nil
	case err != nil:
		return err
	}
	if owner.AccountID == "" {
		owner.AccountID = caller.AccountID // IMS answers for the caller's account only
	}
	return k.inc.Record(ctx, "key_owner", owner)
}

// guard journals and returns a refusal, if any guard refuses.
func (k *keyRun) guard(ctx context.Context) error {
	g := guard(k.rep.Caller, k.rep.Owner, k.req.Force)
	if g == nil {
		return nil
	}
	k.rep.Guard, k.rep.Status = g, "refused"
	k.log.Warn().Str("guard", g.Guard).Msg("guard refused the run")
	return errors.Join(g, k.inc.Record(ctx, "guard_refused", g))
}

// contain runs the containment steps. A key about to be deleted takes its
// last use with it, so that one read runs alongside.
func (k *keyRun) contain(ctx context.Context) error {
	user, id := k.rep.Owner.UserName, k.req.KeyID
	if k.req.Delete {
		k.lastUsed = make(chan lastUse, 1)
		go func() {
			when, err := k.svc.KeyLastUsed(ctx, user, id)
			k.lastUsed <- lastUse{when, err}
		}()
	}
	disable := &disableKey{svc: k.svc, user: user, keyID: id}
	steps := []Step{disable}
	if k.req.Delete {
		steps = append(steps, &deleteKey{svc: k.svc, user: user, keyID: id})
	}
	res, err := k.inc.Run(ctx, steps, RunOptions{DryRun: k.req.DryRun, Confirm: k.req.Confirm})
	k.rep.Run, k.rep.Keys = res, disable.keys
	if res != nil {
		k.rep.Status = res.Status
	}
	return err
}

// inform reads and journals what only informs the report: the owner's
// other keys, console access, groups and policies.
func (k *keyRun) inform(ctx context.Context) error {
	if k.lastUsed == nil {
		k.rep.Profile = k.svc.OwnerProfile(ctx, k.rep.Owner.UserName, k.req.KeyID)
	} else {
		k.rep.Profile = k.svc.OwnerProfile(ctx, k.rep.Owner.UserName, "")
		lu := <-k.lastUsed
		k.rep.Profile.KeyLastUsed = lu.when
		if lu.err != nil {
			if k.rep.Profile.Unreadable == nil {
				k.rep.Profile.Unreadable = map[string]string{}
			}
			k.rep.Profile.Unreadable["key_last_used"] = lu.err.Error()
		}
	}
	err := k.inc.Record(ctx, "owner_profile", k.rep.Profile)
	if len(k.rep.Keys) > 0 {
		err = errors.Join(err, k.inc.Record(ctx, "owner_keys", k.rep.Keys))
	}
	return err
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
	case ownUser(caller, owner) && !force:
		return &GuardError{Guard: "own-user",
			Reason: fmt.Sprintf("%s belongs to %s, the RAM user this responder runs as",
				masked, owner.UserName),
			Advice: "run as another identity, or pass --force if disabling a sibling " +
				"key of your own user is intended"}
	}
	return nil
}

// ownUser reports whether the key belongs to the RAM user the responder
// runs as, directly or as the base of an assumed role.
func ownUser(caller *ram.Identity, owner *ram.Owner) bool {
	for id := caller; id != nil; id = id.Base {
		if id.Type == ram.IdentityUser && id.UserName == owner.UserName {
			return true
		}
	}
	return false
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
